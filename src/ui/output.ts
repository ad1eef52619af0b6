import { BoundedLogWriter } from './bounded-log-writer.js';

/** How devup talks to people (or machines): a TTY with colour and spinners, plain lines, or JSON. */
export type OutputMode = 'tty' | 'plain' | 'json';

export function detectOutputMode(
  options: { json?: boolean | undefined },
  env: NodeJS.ProcessEnv = process.env,
): OutputMode {
  if (options.json) return 'json';
  if (!process.stdout.isTTY || isCI(env) || env.TERM === 'dumb') return 'plain';
  return 'tty';
}

export function isCI(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
}

export function colorEnabled(mode: OutputMode, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return mode === 'tty';
}

const codes = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90, bold: 1, dim: 2 } as const;
export type Style = keyof typeof codes;

export class Output {
  readonly color: boolean;
  verbose = false;
  /** Set when writing to the real stdout: service logs are then bounded (see BoundedLogWriter). */
  readonly #logs: BoundedLogWriter | undefined;
  readonly #stdout: (text: string) => void;

  constructor(
    readonly mode: OutputMode,
    stdout?: (text: string) => void,
    private readonly stderr: (text: string) => void = (text) => process.stderr.write(text),
  ) {
    this.color = colorEnabled(mode);
    this.#stdout = stdout ?? ((text) => process.stdout.write(text));
    if (stdout === undefined) {
      this.#logs = new BoundedLogWriter(process.stdout, {
        notice: (dropped) =>
          mode === 'json'
            ? `${JSON.stringify({ event: 'logs-dropped', lines: dropped })}\n`
            : `devup: ${dropped} line${dropped === 1 ? '' : 's'} of service output dropped: the reader of this output fell behind (\`devup logs\` has them all)\n`,
      });
    }
  }

  style(style: Style, text: string): string {
    return this.color ? `\u001b[${codes[style]}m${text}\u001b[${style === 'bold' || style === 'dim' ? 22 : 39}m` : text;
  }

  /** A line for people; suppressed in JSON mode (which gets `event` instead). */
  line(text = ''): void {
    if (this.mode !== 'json') this.#out(`${text}\n`);
  }

  /** A one-line notice ("Created .env from .env.example"); on stderr in JSON mode so stdout stays parseable. */
  notice(text: string): void {
    if (this.mode === 'json') this.event({ event: 'notice', message: text });
    else this.#out(`${this.style('cyan', '›')} ${text}\n`);
  }

  warn(text: string): void {
    if (this.mode === 'json') this.event({ event: 'warning', message: text });
    else this.#out(`${this.style('yellow', '!')} ${text}\n`);
  }

  debug(text: string): void {
    if (this.verbose && this.mode !== 'json') this.#out(`${this.style('gray', text)}\n`);
  }

  /** A machine-readable event, one JSON object per line (JSON mode only). */
  event(payload: Record<string, unknown>): void {
    if (this.mode === 'json') this.#out(`${JSON.stringify(payload, jsonReplacer)}\n`);
  }

  /** Raw text to stdout. */
  write(text: string): void {
    this.#out(text);
  }

  /** Service log text (whole lines): dropped and counted while the reader is far behind. */
  writeLog(text: string): void {
    if (this.#logs) this.#logs.write(text);
    else this.#out(text);
  }

  #out(text: string): void {
    this.#stdout(text);
  }

  error(text: string): void {
    this.stderr(text.endsWith('\n') ? text : `${text}\n`);
  }
}

function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
