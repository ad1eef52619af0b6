import { useEffect, useState } from 'preact/hooks';
import { html } from './html.js';
import { getJson, postJson } from './store.js';

/** Read again every 2 s while the page is open (only then: an idle dashboard asks nothing). */
const REFRESH_MS = 2000;

function duration(ms) {
  if (ms === null) return '';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function ActivityPage({ store }) {
  const [view, setView] = useState(null);
  const [error, setError] = useState(null);
  const load = () =>
    getJson('/api/activity').then(
      (v) => {
        setView(v);
        setError(null);
      },
      (e) => setError(e.message),
    );
  useEffect(() => {
    load();
    const timer = setInterval(load, REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  const cancel = async (pid) => {
    try {
      await postJson('/api/activity/cancel', { pid });
    } catch (e) {
      setError(e.message);
    }
    load();
  };
  if (!view)
    return html`<h1>Activity</h1>${error ? html`<p class="error">${error}</p>` : html`<p>Reading pg_stat_activity…</p>`}`;
  const waiting = view.sessions.filter((s) => s.blockedBy.length > 0);
  return html`<h1>Activity</h1>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    <h2>Who waits for whom</h2>
    ${
      waiting.length === 0
        ? html`<p class="hint">No session waits for a lock.</p>`
        : html`<ul class="waits">${waiting.map((s) => html`<li data-waiting=${s.pid}>session ${s.pid} waits for ${s.blockedBy.join(', ')}: <code>${s.query}</code></li>`)}</ul>`
    }
    <h2>Sessions</h2>
    <table class="sessions">
      <thead><tr><th>pid</th><th>database</th><th>application</th><th>state</th><th>waiting on</th><th>blocked by</th><th>running</th><th>query</th><th></th></tr></thead>
      <tbody>${view.sessions.map(
        (s) => html`<tr data-pid=${s.pid} data-state=${s.state}>
          <td>${s.pid}</td><td>${s.database}</td><td>${s.application}</td><td>${s.state}</td><td>${s.waitEvent ?? ''}</td>
          <td>${s.blockedBy.join(', ')}</td><td>${s.state === 'active' ? duration(s.runningMs) : ''}</td><td><code>${s.query}</code></td>
          <td>${!store.readOnly && s.state === 'active' ? html`<button type="button" class="danger" data-cancel=${s.pid} onClick=${() => cancel(s.pid)}>cancel</button>` : null}</td>
        </tr>`,
      )}</tbody>
    </table>
    <h2>Locks</h2>
    <table class="locks">
      <thead><tr><th>pid</th><th>lock</th><th>mode</th><th>granted</th><th>relation</th></tr></thead>
      <tbody>${view.locks.map((l) => html`<tr><td>${l.pid}</td><td>${l.lockType}</td><td>${l.mode}</td><td>${l.granted ? 'yes' : 'waiting'}</td><td>${l.relation ?? ''}</td></tr>`)}</tbody>
    </table>
    <h2>Slowest statements</h2>
    ${
      view.statements.shown
        ? html`<table class="statements"><thead><tr><th>mean</th><th>calls</th><th>total</th><th>database</th><th>query</th></tr></thead>
          <tbody>${view.statements.rows.map((s) => html`<tr><td>${s.meanMs.toFixed(1)} ms</td><td>${s.calls}</td><td>${s.totalMs.toFixed(0)} ms</td><td>${s.database}</td><td><code title=${s.query}>${s.query}</code></td></tr>`)}</tbody></table>`
        : html`<p class="hint" data-statements-hidden>${view.statements.reason}</p>`
    }`;
}
