// The dashboard's shell: a header with the pages, one live stream, a page per hash route.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { DatabasePage } from './database.js';
import { html } from './html.js';
import { LogsPage } from './logs.js';
import { ResourcesPage } from './resources.js';
import { connect, useStore } from './store.js';

const PAGES = [
  { id: 'resources', title: 'Resources', view: ResourcesPage },
  { id: 'logs', title: 'Logs', view: LogsPage },
  { id: 'database', title: 'Database', view: DatabasePage },
];

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
