import { useEffect, useState } from 'preact/hooks';
import { html } from './html.js';
import { getJson, postJson } from './store.js';

function uptime(startedAt, now) {
  if (!startedAt) return '';
  const seconds = Math.max(0, Math.floor((now - Date.parse(startedAt)) / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
  return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`;
}

/** Re-renders every second for the uptimes, only while this page is shown. */
function useNow() {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

function Environment({ name }) {
  const [env, setEnv] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    getJson(`/api/env?resource=${encodeURIComponent(name)}`).then(setEnv, (e) => setError(e.message));
  }, [name]);
  if (error) return html`<p class="error">${error}</p>`;
  if (!env) return html`<p>Loading…</p>`;
  return html`<table class="env">
    <caption>Environment of ${name} (secrets masked)</caption>
    ${Object.entries(env).map(([key, value]) => html`<tr><th scope="row">${key}</th><td><code>${value}</code></td></tr>`)}
  </table>`;
}

function ResourceRow({ resource, now, busy, onAction, open, onToggle }) {
  const r = resource;
  return html`
    <tr data-resource=${r.name} data-state=${r.state}>
      <th scope="row">${r.name} <small class="kind">${r.kind}</small></th>
      <td>
        <span class=${`badge ${r.state}`} title=${r.detail ?? ''}>${busy ? `${busy}…` : r.state}</span>
        ${r.detail ? html`<small class="detail">${r.detail}</small>` : null}
      </td>
      <td class="pid">${r.pid ?? r.container ?? ''}</td>
      <td>${uptime(r.startedAt, now)}</td>
      <td>${r.url ? (r.url.startsWith('http') ? html`<a href=${r.url} target="_blank" rel="noreferrer">${r.url}</a>` : html`<code>${r.url}</code>`) : ''}</td>
      <td>${r.readiness}${r.readyMs !== null ? html` <small>(${r.readyMs} ms)</small>` : ''}</td>
      <td>${r.restarts}</td>
      <td>${r.lastExit ?? ''}</td>
      <td class="actions">
        ${r.actions.map(
          (action) =>
            html`<button type="button" disabled=${!!busy} data-action=${action} onClick=${() => onAction(r.name, action)}>${action}</button>`,
        )}
        <button type="button" class="secondary" aria-expanded=${open} onClick=${onToggle}>env</button>
      </td>
    </tr>
    ${open ? html`<tr class="env-row"><td colspan="9"><${Environment} name=${r.name} /></td></tr>` : null}
  `;
}

export function ResourcesPage({ store }) {
  const now = useNow();
  const [busy, setBusy] = useState({});
  const [open, setOpen] = useState(null);
  const [error, setError] = useState(null);
  const onAction = async (name, action) => {
    setBusy((b) => ({ ...b, [name]: action }));
    setError(null);
    try {
      await postJson('/api/action', { resource: name, action });
    } catch (e) {
      setError(e.message);
    } finally {
      setBusy((b) => ({ ...b, [name]: undefined }));
    }
  };
  return html`
    <h1>Resources</h1>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    <table class="resources">
      <thead>
        <tr><th>name</th><th>state</th><th>pid / container</th><th>uptime</th><th>URL</th><th>readiness</th><th>restarts</th><th>last exit</th><th></th></tr>
      </thead>
      <tbody>
        ${store.resources.map(
          (r) =>
            html`<${ResourceRow} key=${r.name} resource=${r} now=${now} busy=${busy[r.name]} onAction=${onAction}
              open=${open === r.name} onToggle=${() => setOpen(open === r.name ? null : r.name)} />`,
        )}
      </tbody>
    </table>
  `;
}
