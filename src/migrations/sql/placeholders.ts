import { quoteIdent } from '../../lib/sql-quote.js';

/** SQL after `${schema}` / `${tenant}` substitution, with a map back to the original offsets. */
export interface SubstitutedSql {
  text: string;
  /** Maps a character index in `text` to the index in the original SQL. */
  toOriginal(index: number): number;
}

/** Replaces `${schema}` and `${tenant}` with quoted identifiers. */
export function substitutePlaceholders(sql: string, values: { schema: string; tenant: string }): SubstitutedSql {
  const segments: { newStart: number; origStart: number; newLength: number; origLength: number }[] = [];
  let text = '';
  let last = 0;
  for (const match of sql.matchAll(/\$\{(schema|tenant)\}/g)) {
    const index = match.index ?? 0;
    text += sql.slice(last, index);
    const replacement = quoteIdent(match[1] === 'schema' ? values.schema : values.tenant);
    segments.push({
      newStart: text.length,
      origStart: index,
      newLength: replacement.length,
      origLength: match[0].length,
    });
    text += replacement;
    last = index + match[0].length;
  }
  text += sql.slice(last);
  return {
    text,
    toOriginal(index: number): number {
      let shift = 0;
      for (const s of segments) {
        if (index < s.newStart) break;
        if (index < s.newStart + s.newLength) return s.origStart;
        shift += s.origLength - s.newLength;
      }
      return index + shift;
    },
  };
}
