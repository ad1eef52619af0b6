/**
 * The parser reports byte offsets into the UTF-8 text; JavaScript indexes UTF-16 code units.
 * A cursor that converts offsets in increasing order walks the text once in total, so mapping
 * every statement of a file is linear (encoding the prefix again for each one was quadratic).
 */
export function byteToCharCursor(text: string): (byteOffset: number) => number {
  // All ASCII: bytes and characters coincide.
  if (Buffer.byteLength(text, 'utf8') === text.length) return (byteOffset) => Math.min(byteOffset, text.length);
  let char = 0;
  let byte = 0;
  return (byteOffset) => {
    if (byteOffset < byte) {
      // Asked for an earlier offset: start over (callers go forward, so this is rare).
      char = 0;
      byte = 0;
    }
    while (byte < byteOffset && char < text.length) {
      const code = text.charCodeAt(char);
      if (code < 0x80) {
        byte += 1;
        char += 1;
      } else if (code < 0x800) {
        byte += 2;
        char += 1;
      } else if (code >= 0xd800 && code <= 0xdbff && isLowSurrogate(text.charCodeAt(char + 1))) {
        byte += 4;
        char += 2;
      } else {
        // The rest of the BMP, and a lone surrogate (Buffer writes U+FFFD for it: 3 bytes).
        byte += 3;
        char += 1;
      }
    }
    return char;
  };
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/**
 * The string index of the `count`-th code point: Postgres counts a syntax error's cursor position
 * in characters (code points), which JavaScript strings index in UTF-16 units.
 */
export function codePointIndex(text: string, count: number): number {
  let index = 0;
  for (let seen = 0; seen < count && index < text.length; seen++) {
    const code = text.charCodeAt(index);
    index += code >= 0xd800 && code <= 0xdbff && isLowSurrogate(text.charCodeAt(index + 1)) ? 2 : 1;
  }
  return index;
}
