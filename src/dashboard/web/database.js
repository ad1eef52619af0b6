import { useEffect, useState } from 'preact/hooks';
import { ConfirmDialog } from './confirm.js';
import { html } from './html.js';
import { Snapshots } from './snapshots.js';
import { getJson, postJson } from './store.js';

const when = (iso) => (iso ? new Date(iso).toLocaleString() : '');

function Cell({ cell, onSelect, selected }) {
  if (!cell) return html`<td class="none">—</td>`;
  const counts = `${cell.applied.length} applied${cell.pending.length ? `, ${cell.pending.length} pending` : ''}${cell.failed.length ? `, ${cell.failed.length} failed` : ''}${cell.changed.length ? `, ${cell.changed.length} changed` : ''}`;
  return html`<td data-schema=${cell.schema} data-state=${cell.state}>
    <button type="button" class=${`cell ${cell.state}`} aria-pressed=${selected} onClick=${() => onSelect(cell.schema)} title=${counts}>
      <span class="badge">${cell.state}</span> <small>${counts}</small>
    </button>
  </td>`;
}

function Entries({ title, entries }) {
  if (entries.length === 0) return null;
  return html`<h3>${title}</h3><ul class="entries">
    ${entries.map((e) => html`<li><code>${e.name}</code> <small>${e.file ?? ''} ${when(e.at)}</small>${e.detail ? html`<div class="error">${e.detail}</div>` : null}</li>`)}
  </ul>`;
}

function Connection({ schema }) {
  const [url, setUrl] = useState(null);
  const [masked, setMasked] = useState('');
  useEffect(() => {
    getJson(`/api/database/connection?schema=${encodeURIComponent(schema)}&reveal=0`).then((r) => setMasked(r.url));
  }, [schema]);
  const reveal = async () =>
    setUrl((await getJson(`/api/database/connection?schema=${encodeURIComponent(schema)}&reveal=1`)).url);
  const copy = async () => {
    const full = url ?? (await getJson(`/api/database/connection?schema=${encodeURIComponent(schema)}&reveal=1`)).url;
    await navigator.clipboard?.writeText(full);
  };
  return html`<p class="connection-string"><code>${url ?? masked}</code>
    <button type="button" class="secondary" onClick=${reveal} disabled=${!!url}>show password</button>
    <button type="button" class="secondary" onClick=${copy}>copy</button></p>`;
}

function Details({ cell, readOnly, askRollback }) {
  const canRollBack = !readOnly && (cell.applied.length > 0 || cell.state === 'tool');
  return html`<section class="details" aria-label=${`Migrations of ${cell.schema}`}>
    <h2>${cell.schema} <small>(${cell.service}, tenant ${cell.tenant})</small></h2>
    <${Connection} schema=${cell.schema} />
    ${
      canRollBack
        ? html`<p class="page-actions">
            <button type="button" class="secondary" data-rollback=${cell.schema} onClick=${() => askRollback(cell, 'down')}>roll back the newest…</button>
            <button type="button" class="secondary" data-redo=${cell.schema} onClick=${() => askRollback(cell, 'redo')}>redo the newest…</button>
          </p>`
        : null
    }
    <${Entries} title="Failed" entries=${cell.failed} />
    <${Entries} title="Changed since applied" entries=${cell.changed} />
    <${Entries} title="Pending" entries=${cell.pending} />
    <${Entries} title="Applied" entries=${[...cell.applied].reverse()} />
  </section>`;
}

function Matrix({ cells, readOnly, selected, onSelect, askApply, askReset }) {
  const services = [...new Set(cells.map((c) => c.service))];
  const tenants = [...new Set(cells.map((c) => c.tenant))];
  const pending = services.filter((s) => cells.some((c) => c.service === s && c.pending.length > 0));
  const at = (s, t) => cells.find((c) => c.service === s && c.tenant === t);
  return html`<table class="matrix">
      <thead><tr><th>service</th>${tenants.map((t) => html`<th scope="col">${t}</th>`)}<th></th></tr></thead>
      <tbody>
        ${services.map(
          (s) => html`<tr data-service=${s}>
            <th scope="row">${s}</th>
            ${tenants.map((t) => html`<${Cell} cell=${at(s, t)} selected=${selected === at(s, t)?.schema} onSelect=${onSelect} />`)}
            <td class="actions">${
              readOnly
                ? null
                : html`${pending.includes(s) ? html`<button type="button" data-apply=${s} onClick=${() => askApply([s])}>apply pending…</button>` : null}
                  <button type="button" class="danger" data-reset=${s} onClick=${() => askReset([s])}>reset…</button>`
            }</td>
          </tr>`,
        )}
      </tbody>
    </table>
    ${
      readOnly
        ? null
        : html`<p class="page-actions">
            <button type="button" disabled=${pending.length === 0} onClick=${() => askApply(pending)}>apply all pending…</button>
            <button type="button" class="danger" data-reset-project onClick=${() => askReset(services)}>reset the project…</button>
          </p>`
    }`;
}

/** The confirmation of a roll back or redo: per tenant the file and its down SQL, or the tool's command. */
function RollbackDialog({ dialog, onCancel, run }) {
  const { mode, service, tenant, steps, alsoPending } = dialog.plan;
  const expected = steps.map((s) => s.migration).join(', ');
  const verb = mode === 'redo' ? 'Redo' : 'Roll back';
  const body = { service, tenant, mode, expected };
  return html`<${ConfirmDialog} danger title=${`${verb} ${expected} in ${steps[0]?.label ?? tenant}`} confirmLabel=${verb} onCancel=${onCancel}
      onConfirm=${() => run(mode === 'redo' ? 'Redoing' : 'Rolling back', '/api/database/rollback', body, `${mode === 'redo' ? 'Redid' : 'Rolled back'} ${expected}`)}>
      ${steps.map(
        (s) => html`<h3>${s.label}: ${s.migration}</h3>
          ${s.sql !== null ? html`<p>devup runs the down section of <code>${s.file}</code>, and deletes its history row:</p><pre class="sql">${s.sql}</pre>` : null}
          ${s.command !== null ? html`<p>devup runs <code>${s.command}</code></p>` : null}`,
      )}
      ${
        mode === 'redo'
          ? html`<p>Then devup applies what is pending for ${service} (this migration${alsoPending.length > 0 ? `, and ${alsoPending.join(', ')}` : ''}) and restarts it, as "apply pending" does.</p>`
          : html`<p>Nothing is applied again: the cell turns pending, and ${service} keeps running.</p>`
      }
    </${ConfirmDialog}>`;
}

/** The confirmation of an apply (the SQL it runs) or a reset (the schemas it drops). */
function ActionDialog({ dialog, onCancel, run }) {
  if (dialog.kind === 'rollback') return html`<${RollbackDialog} dialog=${dialog} onCancel=${onCancel} run=${run} />`;
  if (dialog.kind === 'apply') {
    const count = dialog.sql.length;
    return html`<${ConfirmDialog} title=${`Apply ${count} pending migration${count === 1 ? '' : 's'}`} confirmLabel="Apply" onCancel=${onCancel} onConfirm=${() => run('Applying', '/api/database/apply', { services: dialog.services }, `Applied the pending migrations of ${dialog.services.join(', ')}`)}>
        <p>devup runs this SQL, then restarts ${dialog.services.join(', ')} (as when a migration is saved):</p>
        ${dialog.sql.map((m) => html`<h3>${m.label}: ${m.name}</h3><pre class="sql">${m.sql}</pre>`)}
      </${ConfirmDialog}>`;
  }
  return html`<${ConfirmDialog} danger title=${`Reset ${dialog.services.join(', ')}`} confirmLabel="Drop and rebuild" onCancel=${onCancel} onConfirm=${() => run('Resetting', '/api/database/reset', { services: dialog.services }, `Reset ${dialog.services.join(', ')}`)}>
      <p>These schemas are dropped with everything in them, migrated again from zero and given their seed data again (as <code>devup reset --service</code> does), then ${dialog.services.join(', ')} restart:</p>
      <ul>${dialog.plan.map((p) => html`<li><code>${p.schema}</code>${p.database ? ` in database ${p.database}` : ''}</li>`)}</ul>
    </${ConfirmDialog}>`;
}

export function DatabasePage({ store }) {
  const [cells, setCells] = useState(null);
  const [error, setError] = useState(null);
  const [selected, setSelected] = useState(null);
  const [dialog, setDialog] = useState(null);
  const [busy, setBusy] = useState(null);
  const [done, setDone] = useState(null);
  const reload = () =>
    getJson('/api/database').then(
      (r) => setCells(r.cells),
      (e) => setError(e.message),
    );
  useEffect(() => {
    reload();
  }, [store.databaseVersion]);
  if (error && !cells) return html`<h1>Database</h1><p class="error">${error}</p>`;
  if (!cells) return html`<h1>Database</h1><p>Reading the migration state…</p>`;
  const run = async (label, path, body, doneText) => {
    setDialog(null);
    setBusy(label);
    setError(null);
    setDone(null);
    try {
      await postJson(path, body);
      setDone(doneText);
    } catch (e) {
      setError(e.message);
    } finally {
      setBusy(null);
      reload();
    }
  };
  const ask = (kind, endpoint, key) => async (services) => {
    try {
      setDialog({ kind, services, [key]: await getJson(`${endpoint}?services=${services.join(',')}`) });
    } catch (e) {
      setError(e.message);
    }
  };
  const askRollback = async (c, mode) => {
    try {
      const query = `service=${encodeURIComponent(c.service)}&tenant=${encodeURIComponent(c.tenant)}&mode=${mode}`;
      const plan = await getJson(`/api/database/rollback-plan?${query}`);
      if (plan.steps.length === 0) setError(`${c.schema} has nothing applied to roll back`);
      else setDialog({ kind: 'rollback', plan });
    } catch (e) {
      setError(e.message);
    }
  };
  const cell = cells.find((c) => c.schema === selected);
  return html`
    <h1>Database</h1>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    ${busy ? html`<p role="status" class="busy">${busy}…</p>` : null}
    ${done ? html`<p role="status" class="done">✔ ${done}</p>` : null}
    <${Matrix} cells=${cells} readOnly=${store.readOnly} selected=${selected} onSelect=${setSelected}
      askApply=${ask('apply', '/api/database/pending-sql', 'sql')} askReset=${ask('reset', '/api/database/reset-plan', 'plan')} />
    ${cell ? html`<${Details} cell=${cell} readOnly=${store.readOnly} askRollback=${askRollback} />` : html`<p class="hint">Choose a cell to see its migrations, files and times.</p>`}
    <${Snapshots} readOnly=${store.readOnly} version=${store.databaseVersion} onChanged=${reload} />
    ${dialog ? html`<${ActionDialog} dialog=${dialog} onCancel=${() => setDialog(null)} run=${run} />` : null}
  `;
}
