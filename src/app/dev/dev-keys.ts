import { addExitHook } from '../../lib/exit-hooks.js';
import type { Output } from '../../ui/output.js';

export type DevKeyAction = 'restart' | 'migrate' | 'status' | 'clear' | 'quit';

const KEYS: Record<string, DevKeyAction> = {
  r: 'restart',
  m: 'migrate',
  s: 'status',
  c: 'clear',
  q: 'quit',
  // In raw mode the terminal sends Ctrl-C as a byte instead of SIGINT: it must still stop devup.
  '\u0003': 'quit',
};

/** What a key pressed in `devup dev`'s terminal asks for, if anything. */
export function devKeyAction(key: string): DevKeyAction | undefined {
  return Object.hasOwn(KEYS, key) ? KEYS[key] : undefined;
}

/** The one line shown at ready. */
export function devKeysHint(output: Output, options: { keepGoing?: boolean } = {}): string {
  const key = (k: string) => output.style('bold', k);
  // Keep-going: `r` restarts the services that are down while any is.
  const restart = options.keepGoing ? 'restart (what is down, else all)' : 'restart all';
  return `Keys: ${key('r')} ${restart} · ${key('m')} migrate now · ${key('s')} status · ${key('c')} clear · ${key('q')} quit (or Ctrl-C)`;
}

/**
 * Reads single keys from a terminal (raw mode, as Vite does) and hands each known one to
 * `onAction`. Only when stdin is a TTY and the output is for a person: a pipe, CI or --json get
 * nothing, and stdin is left alone. Returns the way to put the terminal back (also done at exit).
 */
export function listenForDevKeys(
  output: Output,
  onAction: (action: DevKeyAction) => void,
  input: NodeJS.ReadStream = process.stdin,
): (() => void) | undefined {
  if (!input.isTTY || output.mode !== 'tty') return undefined;
  const onData = (data: Buffer | string) => {
    for (const key of String(data)) {
      const action = devKeyAction(key);
      if (action) onAction(action);
    }
  };
  input.setRawMode(true);
  input.on('data', onData);
  input.resume();
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    removeExitHook();
    input.off('data', onData);
    input.setRawMode(false);
    input.pause();
  };
  const removeExitHook = addExitHook(restore);
  return restore;
}
