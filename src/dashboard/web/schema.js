// The Schema page, its own asset (loaded only when the page is opened): each service's ER diagram
// drawn by Mermaid from the erDiagram text `devup schema` writes into the committed docs, so the
// page shows the picture those docs show. Mermaid is imported only here, and lazily: its ESM build
// splits per diagram type, and an ER diagram with the dagre layout loads about 0.8 MB of it
// (docs/dashboard.md has the figures). Nothing is fetched from outside: it is bundled at build time.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from './html.js';
import { getJson } from './store.js';

let mermaidReady;

/** Mermaid, loaded once, set up for this page: no script in labels, the dagre layout, the browser's scheme. */
function loadMermaid() {
  mermaidReady ??= import('mermaid').then(({ default: mermaid }) => {
    const dark = matchMedia('(prefers-color-scheme: dark)').matches;
    // dagre, not Mermaid 12's ELK default for ER diagrams: ELK alone is 1.5 MB more to load.
    mermaid.initialize({
      startOnLoad: false,
      securityLevel: 'strict',
      layout: 'dagre',
      theme: dark ? 'dark' : 'default',
    });
    return mermaid;
  });
  return mermaidReady;
}

/** One service's diagram: Mermaid's SVG, its entities marked with data-entity for tests and styles. */
function Diagram({ text, service }) {
  const ref = useRef(null);
  const [error, setError] = useState(null);
  const [drawn, setDrawn] = useState(false);
  useEffect(() => {
    let current = true;
    const id = `er-${service.replace(/[^\w-]/g, '_')}`;
    loadMermaid()
      .then((mermaid) => mermaid.render(id, text))
      .then(({ svg }) => {
        if (!current || !ref.current) return;
        ref.current.innerHTML = svg;
        const drawn = ref.current.querySelector('svg');
        drawn?.setAttribute('aria-label', `ER diagram of ${service}`);
        drawn?.setAttribute('role', 'img');
        for (const node of ref.current.querySelectorAll(`g.node[id^="${id}-entity-"]`)) {
          node.setAttribute('data-entity', node.id.slice(`${id}-entity-`.length).replace(/-\d+$/, ''));
        }
        setDrawn(true);
      })
      .catch((e) => current && setError(e.message ?? String(e)));
    return () => {
      current = false;
    };
  }, [text, service]);
  if (error) return html`<p class="error">The diagram could not be drawn: ${error}</p>`;
  // The SVG goes into an element preact leaves empty, so a re-render never touches Mermaid's nodes.
  return html`${drawn ? null : html`<p class="hint">Drawing…</p>`}<div class="er" data-drawn=${drawn} ref=${ref}></div>`;
}

export function SchemaPage() {
  const [view, setView] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    getJson('/api/schema').then(setView, (e) => setError(e.message));
  }, []);
  if (error) return html`<h1>Schema</h1><p class="error">${error}</p>`;
  if (!view) return html`<h1>Schema</h1><p>Reading the live database…</p>`;
  return html`<h1>Schema</h1>
    <p class="hint">Read from the dev database with the reader of <code>devup schema --from-dev</code>; compared with <code>${view.dir}</code>.</p>
    ${view.services.map(
      (s) => html`<section class="schema" data-service=${s.service}>
        <h2>${s.service}
          ${
            s.differences.length === 0
              ? html`<span class="badge applied docs" data-docs="match">docs match</span>`
              : html`<span class="badge pending docs" data-docs="differ">docs differ: ${s.differences.join(', ')}</span>`
          }
        </h2>
        ${
          s.mermaid
            ? html`<div class="diagram"><${Diagram} text=${s.mermaid} service=${s.service} /></div>
          <details><summary>Mermaid source</summary><pre class="mermaid-source">${s.mermaid}</pre></details>`
            : html`<p class="hint">No tables yet.</p>`
        }
      </section>`,
    )}
    ${view.otherDifferences.length > 0 ? html`<p class="hint">Also differing: ${view.otherDifferences.join(', ')} (run <code>devup schema</code>).</p>` : null}`;
}
