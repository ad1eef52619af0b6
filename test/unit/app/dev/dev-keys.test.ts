import { expect, it } from 'vitest';
import { devKeyAction, listenForDevKeys } from '../../../../src/app/dev/dev-keys.js';
import { Output } from '../../../../src/ui/output.js';

it('maps the keys of devup dev, Ctrl-C included (raw mode sends it as a byte, not SIGINT)', () => {
  expect(['r', 'm', 's', 'c', 'q', '\u0003'].map(devKeyAction)).toEqual([
    'restart',
    'migrate',
    'status',
    'clear',
    'quit',
    'quit',
  ]);
  expect(devKeyAction('x')).toBeUndefined();
  expect(devKeyAction('constructor')).toBeUndefined();
});

it('leaves stdin alone without a terminal, or when the output is not for a person', () => {
  const notATty = { isTTY: false } as NodeJS.ReadStream;
  expect(listenForDevKeys(new Output('tty', () => {}), () => {}, notATty)).toBeUndefined();
  const tty = {
    isTTY: true,
    setRawMode: () => {
      throw new Error('raw mode must stay off');
    },
  } as unknown as NodeJS.ReadStream;
  expect(listenForDevKeys(new Output('plain', () => {}), () => {}, tty)).toBeUndefined();
  expect(listenForDevKeys(new Output('json', () => {}), () => {}, tty)).toBeUndefined();
});
