import { EventEmitter } from 'node:events';
import { expect, it } from 'vitest';
import { BoundedLogWriter } from '../../../src/ui/bounded-log-writer.js';

/** A stream whose reader is as far behind as the test says. */
class FakeStream extends EventEmitter {
  writableLength = 0;
  written: string[] = [];
  write(text: string): boolean {
    this.written.push(text);
    this.writableLength += text.length;
    return true;
  }
}

it('drops whole lines while the reader is behind, then says how many once it caught up', () => {
  const stream = new FakeStream();
  const writer = new BoundedLogWriter(stream, { limitBytes: 10, notice: (n) => `dropped ${n}\n` });
  writer.write('a | one\n');
  writer.write('a | two\n'); // 8 bytes behind: still written
  writer.write('a | three\na | four\n'); // 16 behind: dropped
  writer.write('a | five\n');
  expect(stream.written).toEqual(['a | one\n', 'a | two\n']);
  expect(writer.dropped).toBe(3);
  stream.writableLength = 0;
  stream.emit('drain');
  writer.write('a | six\n');
  expect(stream.written).toEqual(['a | one\n', 'a | two\n', 'dropped 3\n', 'a | six\n']);
});
