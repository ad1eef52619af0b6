import { describe, expect, it } from 'vitest';

// The page's own modules: plain JavaScript (no declarations), run here as in the browser.
const web = (name: string) => `../../../src/dashboard/web/${name}`;
const { ansiPieces, stripAnsi } = (await import(web('ansi.js'))) as {
  ansiPieces(line: string): { text: string; classes: string }[];
  stripAnsi(line: string): string;
};

describe('ansiPieces', () => {
  it('turns SGR colours and bold into classes, resets them, and drops other escapes', () => {
    expect(ansiPieces('\u001b[1m\u001b[32mok\u001b[0m plain \u001b[31;1mbad\u001b[39m\u001b[2K!')).toEqual([
      { text: 'ok', classes: 'fg32 bold' },
      { text: ' plain ', classes: '' },
      { text: 'bad', classes: 'fg31 bold' },
      { text: '!', classes: 'bold' },
    ]);
    expect(stripAnsi('\u001b[36mauth\u001b[0m |')).toBe('auth |');
  });
});
