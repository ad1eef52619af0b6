import { readFileSync } from 'node:fs';
import { UserError } from '../../errors.js';
import { normaliseSql } from './checksum.js';

/** Index of the first byte that does not start or continue a valid UTF-8 sequence, or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] as number;
    if (lead < 0x80) {
      i++;
      continue;
    }
    let length: number;
    let min = 0x80;
    let max = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) length = 2;
    else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead === 0xe0) min = 0xa0; // overlong
      if (lead === 0xed) max = 0x9f; // surrogates
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead === 0xf0) min = 0x90; // overlong
      if (lead === 0xf4) max = 0x8f; // past U+10FFFF
    } else return i;
    for (let k = 1; k < length; k++) {
      const next = bytes[i + k];
      const [low, high] = k === 1 ? [min, max] : [0x80, 0xbf];
      if (next === undefined || next < low || next > high) return i;
    }
    i += length;
  }
  return -1;
}

function lineOfByte(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

/**
 * Reads a SQL file as the server will see it. Bytes that are not UTF-8 would be replaced
 * silently (a stored 'café' becoming 'caf\uFFFD'), and a NUL byte cannot travel in a query at all:
 * both are refused, naming the byte.
 */
export function readSqlFile(file: string): string {
  const bytes = readFileSync(file);
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    throw new UserError(`${file}: contains a NUL byte at byte ${nul} (line ${lineOfByte(bytes, nul)})`, {
      hint: 'SQL text cannot hold a NUL byte: remove it (is this a binary or UTF-16 file saved as .sql?).',
    });
  }
  try {
    return normaliseSql(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    const offset = firstInvalidUtf8(bytes);
    throw new UserError(`${file}: is not valid UTF-8 at byte ${offset} (line ${lineOfByte(bytes, offset)})`, {
      hint: 'Save the file as UTF-8 (from Latin-1, for example: iconv -f latin1 -t utf-8 FILE); devup does not guess an encoding.',
    });
  }
}
