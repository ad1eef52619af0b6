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
  // The forms a secret takes inside a URL and inside JSON (a service logging JSON.stringify({ password })).
  const encodings = [...new Set([encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)])].filter(
    (form) => form !== secret,
  );
  return (text) => {
    let masked = text.includes(secret) ? text.replace(pattern, '****') : text;
    for (const form of encodings) if (masked.includes(form)) masked = masked.split(form).join('****');
    return masked;
  };
}
