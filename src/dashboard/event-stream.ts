/** One Server-Sent Event: `id` increases by one per event for the whole session. */
export interface StreamEvent {
  id: number;
  type: string;
  data: unknown;
}

export type Subscriber = (event: StreamEvent) => void;

/**
 * The page's one live stream. Recent events are kept so a page that reconnects with
 * `Last-Event-ID` gets what it missed; one that fell further behind gets a fresh snapshot instead
 * (resume() says which). What is kept is bounded twice: by events, and by weight (log lines), so
 * a service printing 10,000 lines a second does not fill devup's memory with batches.
 */
export class EventStream {
  readonly #kept: { event: StreamEvent; weight: number }[] = [];
  readonly #subscribers = new Set<Subscriber>();
  readonly #capacity: number;
  readonly #maxWeight: number;
  #weight = 0;
  #lastId = 0;

  constructor(capacity = 2000, maxWeight = 10_000) {
    this.#capacity = capacity;
    this.#maxWeight = maxWeight;
  }

  get lastId(): number {
    return this.#lastId;
  }

  /** `weight`: what the event holds (a log batch counts its lines). */
  publish(type: string, data: unknown, weight = 1): StreamEvent {
    const event = { id: ++this.#lastId, type, data };
    this.#kept.push({ event, weight });
    this.#weight += weight;
    // The newest event always stays, however heavy.
    while (this.#kept.length > 1 && (this.#kept.length > this.#capacity || this.#weight > this.#maxWeight)) {
      this.#weight -= (this.#kept.shift() as { weight: number }).weight;
    }
    for (const subscriber of this.#subscribers) subscriber(event);
    return event;
  }

  /** The events after `lastId`, or undefined when some of them are no longer kept. */
  resume(lastId: number): StreamEvent[] | undefined {
    if (!Number.isInteger(lastId) || lastId < 0 || lastId > this.#lastId) return undefined;
    const oldest = this.#kept[0]?.event.id ?? this.#lastId + 1;
    if (lastId + 1 < oldest) return undefined;
    return this.#kept.filter((k) => k.event.id > lastId).map((k) => k.event);
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
