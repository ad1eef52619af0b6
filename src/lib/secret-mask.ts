/** Replaces every occurrence of a secret in a text (log lines, error messages). */
export function maskSecret(text: string, secret: string | undefined): string {
  return secretMasker(secret)(text);
}

/** A reusable masker for one secret (service logs pass through it line by line). */
export function secretMasker(secret: string | undefined): (text: string) => string {
  if (!secret) return (text) => text;
  // Whole tokens only, so a password such as "devup" does not also mask "devup_demo".
  const escaped = secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`(?<![\\w])${escaped}(?![\\w])`, 'g');
  const encoded = encodeURIComponent(secret);
  return (text) => {
    const masked = text.includes(secret) ? text.replace(pattern, '****') : text;
    return encoded !== secret && masked.includes(encoded) ? masked.split(encoded).join('****') : masked;
  };
}
