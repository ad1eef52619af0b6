// SGR colour codes (what services print with FORCE_COLOR=1) as spans with classes: no HTML is
// ever taken from a log line, only text nodes and these classes.
// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts every ANSI sequence.
const SGR = /\u001b\[([0-9;]*)m/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts every ANSI sequence.
const OTHER_ESCAPES = /\u001b\[[0-9;?]*[A-Za-z]/g;

/** [{ text, classes }] pieces of one line. */
export function ansiPieces(line) {
  const pieces = [];
  let style = { fg: null, bold: false };
  let last = 0;
  const push = (text) => {
    const clean = text.replace(OTHER_ESCAPES, '');
    if (clean)
      pieces.push({
        text: clean,
        classes: [style.fg ? `fg${style.fg}` : '', style.bold ? 'bold' : ''].join(' ').trim(),
      });
  };
  for (const match of line.matchAll(SGR)) {
    push(line.slice(last, match.index));
    last = match.index + match[0].length;
    for (const code of (match[1] || '0').split(';').map(Number)) {
      if (code === 0) style = { fg: null, bold: false };
      else if (code === 1) style = { ...style, bold: true };
      else if (code === 22) style = { ...style, bold: false };
      else if (code === 39) style = { ...style, fg: null };
      else if ((code >= 30 && code <= 37) || (code >= 90 && code <= 97)) style = { ...style, fg: code };
    }
  }
  push(line.slice(last));
  return pieces;
}

export function stripAnsi(line) {
  return line.replace(OTHER_ESCAPES, '');
}
