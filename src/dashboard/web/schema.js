// The Schema page, its own asset (loaded only when the page is opened): the ER diagram of each
// service drawn here as SVG from the Mermaid erDiagram text `devup schema` writes. Mermaid itself
// is not bundled: its build pulls in d3, dagre, cytoscape and KaTeX (with web fonts) for ~3 MB,
// where an entity-relation picture of a service's tables needs boxes and lines.
import { useEffect, useState } from 'preact/hooks';
import { html } from './html.js';
import { getJson } from './store.js';

/** Entities ({ name, attributes }) and relations ({ from, to, label, card }) of an erDiagram. */
export function parseErDiagram(text) {
  const entities = new Map();
  const relations = [];
  let current = null;
  for (const raw of text.split('\n').slice(1)) {
    const line = raw.trim();
    if (!line) continue;
    if (current) {
      if (line === '}') current = null;
      else current.attributes.push(line);
      continue;
    }
    const relation = /^(\S+) (\S\S--\S\S) (\S+) : "(.*)"$/.exec(line);
    if (relation) {
      relations.push({ from: relation[1], card: relation[2], to: relation[3], label: relation[4] });
      continue;
    }
    const entity = /^(\S+)( \{)?$/.exec(line);
    if (entity) {
      const value = entities.get(entity[1]) ?? { name: entity[1], attributes: [] };
      entities.set(entity[1], value);
      if (entity[2]) current = value;
    }
  }
  return { entities: [...entities.values()], relations };
}

const BOX_W = 220;
const ROW_H = 18;
const GAP_X = 80;
const GAP_Y = 50;

function layout(entities) {
  const columns = Math.max(1, Math.ceil(Math.sqrt(entities.length)));
  const heights = entities.map((e) => 28 + e.attributes.length * ROW_H + 8);
  const rowHeights = [];
  entities.forEach((_, i) => {
    const row = Math.floor(i / columns);
    rowHeights[row] = Math.max(rowHeights[row] ?? 0, heights[i]);
  });
  const boxes = new Map();
  entities.forEach((e, i) => {
    const row = Math.floor(i / columns);
    const y = rowHeights.slice(0, row).reduce((sum, h) => sum + h + GAP_Y, 10);
    boxes.set(e.name, { x: 10 + (i % columns) * (BOX_W + GAP_X), y, w: BOX_W, h: heights[i], entity: e });
  });
  const width = 20 + Math.min(columns, entities.length) * (BOX_W + GAP_X) - GAP_X;
  const height = rowHeights.reduce((sum, h) => sum + h + GAP_Y, 10);
  return { boxes, width, height };
}

function Diagram({ text, service }) {
  const { entities, relations } = parseErDiagram(text);
  const { boxes, width, height } = layout(entities);
  const centre = (b) => ({ x: b.x + b.w / 2, y: b.y + b.h / 2 });
  return html`<svg class="er" role="img" aria-label=${`ER diagram of ${service}`} viewBox=${`0 0 ${width} ${height}`} width=${width} height=${height}>
    ${relations.map((r) => {
      const a = boxes.get(r.from);
      const b = boxes.get(r.to);
      if (!a || !b) return null;
      const p = centre(a);
      const q = centre(b);
      return html`<g class="relation"><line x1=${p.x} y1=${p.y} x2=${q.x} y2=${q.y} />
        <text x=${(p.x + q.x) / 2} y=${(p.y + q.y) / 2 - 4}>${r.label} (${r.card.includes('o{') ? '1:n' : '1:1'})</text></g>`;
    })}
    ${[...boxes.values()].map(
      (b) => html`<g class="entity" data-entity=${b.entity.name}>
        <rect x=${b.x} y=${b.y} width=${b.w} height=${b.h} rx="6" />
        <text class="title" x=${b.x + 10} y=${b.y + 19}>${b.entity.name}</text>
        ${b.entity.attributes.map((a, i) => html`<text x=${b.x + 10} y=${b.y + 42 + i * ROW_H}>${a}</text>`)}
      </g>`,
    )}
  </svg>`;
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
