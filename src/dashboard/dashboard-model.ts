import { UserError } from '../errors.js';
import type { LogSource } from '../services/log-prefixer.js';
import { EventStream } from './event-stream.js';
import type { LogLine, LogStore } from './log-store.js';
import { maskEnvironment, maskValue } from './mask-env.js';
import type { ResourceAction, ResourceSource, ResourceState } from './resource-state.js';

/** How long changes gather before they are sent: 10,000 log lines a second become 20 events. */
const FLUSH_MS = 50;
/** Lines a new page gets with its first snapshot. */
const SNAPSHOT_LINES = 2000;

/**
 * What the page sees: every resource source's states and the log lines, as one event stream
 * (`resources`, `logs`, `database`), plus the actions it may ask for.
 */
export class DashboardModel {
  readonly stream = new EventStream();
  readonly logs: LogStore;
  readonly readOnly: boolean;
  readonly #sources: ResourceSource[];
  readonly #password: string | undefined;
  #pendingLines: LogLine[] = [];
  #resourcesDirty = false;
  #timer: NodeJS.Timeout | undefined;
  readonly #unsubscribe: (() => void)[];

  constructor(options: { sources: ResourceSource[]; logs: LogStore; readOnly: boolean; password: string | undefined }) {
    this.#sources = options.sources;
    this.logs = options.logs;
    this.readOnly = options.readOnly;
    this.#password = options.password;
    this.#unsubscribe = this.#sources.map((source) => source.onChange(() => this.#markResources()));
  }

  resources(): ResourceState[] {
    return this.#sources.flatMap((source) => source.states());
  }

  /** A service's lines as the supervisor hands them over (passwords masked before they are kept). */
  addLines(resource: string, source: LogSource, lines: string[]): void {
    for (const text of lines)
      this.#pendingLines.push(this.logs.append(resource, source, maskValue(text, this.#password)));
    this.#schedule();
  }

  /** The Database page should read the migration state again (a file saved, a run finished). */
  databaseChanged(): void {
    this.stream.publish('database', { at: new Date().toISOString() });
  }

  snapshot() {
    return {
      readOnly: this.readOnly,
      resources: this.resources(),
      logs: this.logs.lines(undefined, SNAPSHOT_LINES),
    };
  }

  async act(name: string, action: ResourceAction): Promise<void> {
    this.requireWritable();
    const source = this.#sourceOf(name);
    if (!source.states().some((s) => s.name === name && s.actions.includes(action))) {
      throw new UserError(`${name} cannot ${action} now`);
    }
    try {
      await source.act(name, action);
    } finally {
      this.#markResources();
    }
  }

  async environment(name: string): Promise<Record<string, string>> {
    const env = (await this.#sourceOf(name).environment(name)) ?? {};
    return maskEnvironment(env, this.#password);
  }

  requireWritable(): void {
    if (this.readOnly) throw new UserError('the dashboard is read-only (--ui-read-only)');
  }

  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
  }

  #sourceOf(name: string): ResourceSource {
    const source = this.#sources.find((s) => s.states().some((state) => state.name === name));
    if (!source) throw new UserError(`no resource named ${name}`);
    return source;
  }

  #markResources(): void {
    this.#resourcesDirty = true;
    this.#schedule();
  }

  #schedule(): void {
    this.#timer ??= setTimeout(() => this.#flush(), FLUSH_MS);
  }

  #flush(): void {
    this.#timer = undefined;
    if (this.#resourcesDirty) {
      this.#resourcesDirty = false;
      this.stream.publish('resources', this.resources());
    }
    if (this.#pendingLines.length > 0) {
      const lines = this.#pendingLines;
      this.#pendingLines = [];
      this.stream.publish('logs', lines, lines.length);
    }
  }
}
