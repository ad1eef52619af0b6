// The page's state: one EventSource (the browser resumes it with Last-Event-ID by itself) and
// what it carried. Components subscribe with useStore(); the store keeps a bounded log.
import { useEffect, useState } from 'preact/hooks';

/** Lines the page keeps; devup keeps its own bounded buffer per resource. */
export const MAX_LINES = 20000;

const state = { connected: false, readOnly: true, resources: [], logs: [], logVersion: 0, databaseVersion: 0 };
const listeners = new Set();

function notify() {
  for (const listener of listeners) listener();
}

function addLines(lines) {
  const last = state.logs.at(-1)?.seq ?? 0;
  for (const line of lines) if (line.seq > last) state.logs.push(line);
  if (state.logs.length > MAX_LINES) state.logs.splice(0, state.logs.length - MAX_LINES);
  state.logVersion++;
}

export function connect() {
  const source = new EventSource('/api/events');
  source.addEventListener('open', () => {
    state.connected = true;
    notify();
  });
  source.addEventListener('error', () => {
    state.connected = false;
    notify();
  });
  source.addEventListener('snapshot', (event) => {
    const data = JSON.parse(event.data);
    state.readOnly = data.readOnly;
    state.resources = data.resources;
    state.logs = [];
    addLines(data.logs);
    state.databaseVersion++;
    notify();
  });
  source.addEventListener('resources', (event) => {
    state.resources = JSON.parse(event.data);
    notify();
  });
  source.addEventListener('logs', (event) => {
    addLines(JSON.parse(event.data));
    notify();
  });
  source.addEventListener('database', () => {
    state.databaseVersion++;
    notify();
  });
}

export function useStore() {
  const [, setTick] = useState(0);
  useEffect(() => {
    const listener = () => setTick((n) => n + 1);
    listeners.add(listener);
    return () => listeners.delete(listener);
  }, []);
  return state;
}

/** A GET of the dashboard's API; throws the server's message. */
export async function getJson(path) {
  const response = await fetch(path, { headers: { accept: 'application/json' } });
  const body = await response.json();
  if (!response.ok) throw new Error(body.hint ? `${body.error} (${body.hint})` : body.error);
  return body;
}

/** An action: a POST of JSON (the server refuses any other kind of body). */
export async function postJson(path, value) {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(value),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(body.hint ? `${body.error} (${body.hint})` : body.error);
  return body;
}
