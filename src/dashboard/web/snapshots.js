import { useEffect, useState } from 'preact/hooks';
import { ConfirmDialog } from './confirm.js';
import { html } from './html.js';
import { getJson, postJson } from './store.js';

function size(bytes) {
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** The Database page's snapshots: save under a name, restore or delete after a confirmation. */
export function Snapshots({ readOnly, version, onChanged }) {
  const [rows, setRows] = useState(null);
  const [name, setName] = useState('');
  const [dialog, setDialog] = useState(null);
  const [busy, setBusy] = useState(null);
  const [error, setError] = useState(null);
  const [done, setDone] = useState(null);
  const reload = () => getJson('/api/snapshots').then(setRows, (e) => setError(e.message));
  useEffect(() => {
    reload();
  }, [version]);
  const run = async (label, path, value) => {
    setDialog(null);
    setBusy(label);
    setError(null);
    setDone(null);
    try {
      await postJson(path, value);
      setDone(`${label.replace(/ing$/, 'ed')} ${value.name}`);
      if (path.endsWith('/save')) setName('');
    } catch (e) {
      setError(e.message);
    } finally {
      setBusy(null);
      reload();
      onChanged();
    }
  };
  return html`<section class="snapshots" aria-label="Snapshots">
    <h2>Snapshots</h2>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    ${busy ? html`<p role="status" class="busy">${busy}…</p>` : null}
    ${done ? html`<p role="status" class="done">✔ ${done}</p>` : null}
    ${
      readOnly
        ? null
        : html`<form class="snapshot-save" onSubmit=${(e) => {
            e.preventDefault();
            run('Saving', '/api/snapshots/save', { name });
          }}>
            <label>Name <input name="snapshot-name" value=${name} onInput=${(e) => setName(e.currentTarget.value)} placeholder="before-import" /></label>
            <button type="submit" disabled=${!name}>save a snapshot</button>
          </form>`
    }
    ${
      rows === null
        ? html`<p>Reading the snapshots…</p>`
        : rows.length === 0
          ? html`<p class="hint">No snapshot yet.</p>`
          : html`<table class="snapshot-list">
              <thead><tr><th>name</th><th>taken</th><th>size</th><th>databases</th><th>changed since</th><th></th></tr></thead>
              <tbody>${rows.map(
                (s) => html`<tr data-snapshot=${s.name}>
                  <th scope="row">${s.name}</th><td>${new Date(s.createdAt).toLocaleString()}</td><td>${size(s.size)}</td>
                  <td>${s.databases.join(', ')}</td><td>${s.changedSince.join(', ') || 'nothing'}</td>
                  <td class="actions">${
                    readOnly
                      ? null
                      : html`<button type="button" data-restore=${s.name} onClick=${() => setDialog({ kind: 'restore', snapshot: s })}>restore…</button>
                        <button type="button" class="danger" data-delete=${s.name} onClick=${() => setDialog({ kind: 'delete', snapshot: s })}>delete…</button>`
                  }</td></tr>`,
              )}</tbody></table>`
    }
    ${
      dialog?.kind === 'restore'
        ? html`<${ConfirmDialog} danger title=${`Restore snapshot ${dialog.snapshot.name}`} confirmLabel="Replace them" onCancel=${() => setDialog(null)}
            onConfirm=${() => run('Restoring', '/api/snapshots/restore', { name: dialog.snapshot.name })}>
            <p>These databases are replaced with their copies in the snapshot; their connections are ended, and what was written since is applied after:</p>
            <ul>${dialog.snapshot.databases.map((d) => html`<li><code>${d}</code></li>`)}</ul>
          </${ConfirmDialog}>`
        : null
    }
    ${
      dialog?.kind === 'delete'
        ? html`<${ConfirmDialog} danger title=${`Delete snapshot ${dialog.snapshot.name}`} confirmLabel="Delete" onCancel=${() => setDialog(null)}
            onConfirm=${() => run('Deleting', '/api/snapshots/remove', { name: dialog.snapshot.name })}>
            <p>The copies ${dialog.snapshot.databases.join(', ')} of snapshot <code>${dialog.snapshot.name}</code> are dropped. The live databases are not touched.</p>
          </${ConfirmDialog}>`
        : null
    }
  </section>`;
}
