import { createHash } from 'node:crypto';

/** Line endings and a byte-order mark are not changes: a CRLF checkout has the same checksum. */
export function normaliseSql(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
}

export function checksumSql(text: string): string {
  return createHash('sha256').update(normaliseSql(text)).digest('hex');
}
