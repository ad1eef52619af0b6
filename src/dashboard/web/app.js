// The dashboard's shell: a header with the pages, one live stream, a page per hash route.
import { h, render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ActivityPage } from './activity.js';
import { DatabasePage } from './database.js';
import { html } from './html.js';
import { LogsPage } from './logs.js';
import { ResourcesPage } from './resources.js';
import { connect, useStore } from './store.js';

const PAGES = [
  { id: 'resources', title: 'Resources', view: ResourcesPage },
  { id: 'logs', title: 'Logs', view: LogsPage },
  { id: 'database', title: 'Database', view: DatabasePage },
  { id: 'schema', title: 'Schema', view: LazySchemaPage },
  { id: 'activity', title: 'Activity', view: ActivityPage },
];

/** The Schema page (and its diagram code) is its own asset, fetched when the page is first opened. */
function LazySchemaPage(props) {
  const [page, setPage] = useState(null);
  useEffect(() => {
    import('./schema.js').then((module) => setPage(() => module.SchemaPage));
  }, []);
  return page ? h(page, props) : html`<h1>Schema</h1><p>Loading…</p>`;
}

function currentPage() {
  const id = location.hash.replace(/^#\/?/, '') || 'resources';
  return PAGES.find((page) => page.id === id) ?? PAGES[0];
}

function App() {
  const store = useStore();
  const [page, setPage] = useState(currentPage);
  useEffect(() => {
    const onHash = () => setPage(currentPage());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  const View = page.view;
  return html`
    <header>
      <strong class="brand">devup</strong>
      <nav aria-label="Pages">
        ${PAGES.map(
          (p) =>
            html`<a href=${`#/${p.id}`} aria-current=${p.id === page.id ? 'page' : undefined} data-page=${p.id}>${p.title}</a>`,
        )}
      </nav>
      <span class=${`connection ${store.connected ? 'on' : 'off'}`} role="status">
        ${store.connected ? 'live' : 'reconnecting…'}${store.readOnly ? ' · read-only' : ''}
      </span>
    </header>
    <main id="main"><${View} store=${store} /></main>
  `;
}

connect();
render(html`<${App} />`, document.getElementById('app'));
