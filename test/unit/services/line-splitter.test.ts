import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../../src/services/line-splitter.js';

function collect(maxLength?: number) {
  const lines: string[] = [];
  const splitter = new LineSplitter((batch) => lines.push(...batch), maxLength);
  return { lines, splitter };
}

describe('LineSplitter', () => {
  it('holds a partial line until its newline arrives', () => {
    const { lines, splitter } = collect();
    splitter.push(Buffer.from('first '));
    expect(lines).toEqual([]);
    splitter.push(Buffer.from('half\nsecond\nthi'));
    expect(lines).toEqual(['first half', 'second']);
    splitter.push(Buffer.from('rd\n'));
    expect(lines).toEqual(['first half', 'second', 'third']);
  });

  it('emits an unterminated last line on flush, once', () => {
    const { lines, splitter } = collect();
    splitter.push(Buffer.from('done\nno newline'));
    splitter.flush();
    splitter.flush();
    expect(lines).toEqual(['done', 'no newline']);
  });

  it('keeps empty lines', () => {
    const { lines, splitter } = collect();
    splitter.push('a\n\nb\n');
    expect(lines).toEqual(['a', '', 'b']);
  });

  it('keeps a multi-byte character that is split across chunks', () => {
    const { lines, splitter } = collect();
    const bytes = Buffer.from('café ✔\n');
    splitter.push(bytes.subarray(0, 4));
    splitter.push(bytes.subarray(4, 7));
    splitter.push(bytes.subarray(7));
    expect(lines).toEqual(['café ✔']);
  });

  it('cuts a very long line into pieces of the maximum length', () => {
    const { lines, splitter } = collect(10);
    splitter.push(`${'a'.repeat(25)}\nshort\n`);
    expect(lines).toEqual(['a'.repeat(10), 'a'.repeat(10), 'a'.repeat(5), 'short']);
  });

  it('does not buffer a runaway partial line beyond the maximum', () => {
    const { lines, splitter } = collect(10);
    splitter.push('b'.repeat(15));
    expect(lines).toEqual(['b'.repeat(10)]);
    splitter.push('b'.repeat(3));
    splitter.push('\n');
    expect(lines).toEqual(['b'.repeat(10), 'b'.repeat(8)]);
  });

  it('never cuts between the halves of a surrogate pair', () => {
    const { lines, splitter } = collect(4);
    splitter.push('abc😀def\n');
    expect(lines).toEqual(['abc', '😀de', 'f']);
  });
});
