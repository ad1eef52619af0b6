/** Replaces every occurrence of a secret in a text (log lines, error messages). */
export function maskSecret(text: string, secret: string | undefined): string {
  return secretMasker(secret)(text);
}

/** A reusable masker for one secret (service logs pass through it line by line). */
export function secretMasker(secret: string | undefined): (text: string) => string {
  if (!secret) return (text) => text;
  const escaped = secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (/^[A-Za-z]{1,12}$/.test(secret)) {
    // A plain word ("devup", "postgres") also appears in ordinary text, where masking would garble
    // it ("tenants from ****:"): mask it only where it stands as a credential, in a URL's user
    // part or after a password key (password=, PGPASSWORD=, "password": "…").
    const credential = new RegExp(
      `(://[^\\s:/@]*:|(?:password|passwd|pwd)["']?\\s*[=:]\\s*["']?)${escaped}(?![\\w])`,
      'gi',
    );
    return (text) => (text.includes(secret) ? text.replace(credential, '$1****') : text);
  }
  // Whole tokens only, so a password such as "s3cret" does not also mask "s3cret_demo".
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
