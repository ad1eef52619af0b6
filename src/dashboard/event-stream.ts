import { Ring } from './log-store.js';

/** One Server-Sent Event: `id` increases by one per event for the whole session. */
export interface StreamEvent {
  id: number;
  type: string;
  data: unknown;
}

export type Subscriber = (event: StreamEvent) => void;

/**
 * The page's one live stream. Events are kept in a bounded ring so a page that reconnects with
 * `Last-Event-ID` gets what it missed; one that fell further behind than the ring gets a fresh
 * snapshot instead (resume() says which).
 */
export class EventStream {
  readonly #ring: Ring<StreamEvent>;
  readonly #subscribers = new Set<Subscriber>();
  #lastId = 0;
  #oldestKept = 1;
  readonly #capacity: number;

  constructor(capacity = 2000) {
    this.#capacity = capacity;
    this.#ring = new Ring<StreamEvent>(capacity);
  }

  get lastId(): number {
    return this.#lastId;
  }

  publish(type: string, data: unknown): StreamEvent {
    const event = { id: ++this.#lastId, type, data };
    this.#ring.push(event);
    this.#oldestKept = Math.max(1, this.#lastId - this.#capacity + 1);
    for (const subscriber of this.#subscribers) subscriber(event);
    return event;
  }

  /** The events after `lastId`, or undefined when some of them are no longer kept. */
  resume(lastId: number): StreamEvent[] | undefined {
    if (!Number.isInteger(lastId) || lastId < 0 || lastId > this.#lastId) return undefined;
    if (lastId + 1 < this.#oldestKept) return undefined;
    return this.#ring.toArray().filter((event) => event.id > lastId);
  }

  subscribe(subscriber: Subscriber): () => void {
    this.#subscribers.add(subscriber);
    return () => this.#subscribers.delete(subscriber);
  }
}

/** An event in the text/event-stream wire format. */
export function formatEvent(event: StreamEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
}
