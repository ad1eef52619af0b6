import { describe, expect, it } from 'vitest';
import { EventStream, formatEvent } from '../../../src/dashboard/event-stream.js';

describe('EventStream', () => {
  it('numbers events 1, 2, 3 … and resumes after a Last-Event-ID still in the ring', () => {
    const stream = new EventStream(5);
    for (let i = 0; i < 4; i++) stream.publish('logs', i);
    expect(stream.lastId).toBe(4);
    expect(stream.resume(2)?.map((e) => e.id)).toEqual([3, 4]);
    expect(stream.resume(4)).toEqual([]);
  });

  it('refuses to resume from an id the bounded ring no longer holds (the page gets a fresh snapshot)', () => {
    const stream = new EventStream(3);
    for (let i = 0; i < 10; i++) stream.publish('logs', i);
    expect(stream.resume(7)?.map((e) => e.id)).toEqual([8, 9, 10]);
    expect(stream.resume(6)).toBeUndefined();
    expect(stream.resume(11)).toBeUndefined();
    expect(stream.resume(Number.NaN)).toBeUndefined();
  });

  it('keeps no more log lines than its weight bound, the newest batch always', () => {
    const stream = new EventStream(100, 1000);
    for (let i = 0; i < 5; i++) stream.publish('logs', [], 400);
    expect(stream.resume(2)).toBeUndefined();
    expect(stream.resume(3)?.map((e) => e.id)).toEqual([4, 5]);
    stream.publish('logs', [], 5000);
    expect(stream.resume(5)?.map((e) => e.id)).toEqual([6]);
  });

  it('hands each event to subscribers until they unsubscribe, in the SSE wire format', () => {
    const stream = new EventStream();
    const seen: number[] = [];
    const stop = stream.subscribe((e) => seen.push(e.id));
    stream.publish('resources', []);
    stop();
    stream.publish('resources', []);
    expect(seen).toEqual([1]);
    expect(formatEvent({ id: 7, type: 'logs', data: { a: 1 } })).toBe('id: 7\nevent: logs\ndata: {"a":1}\n\n');
  });
});
