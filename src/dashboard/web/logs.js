import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ansiPieces, stripAnsi } from './ansi.js';
import { html } from './html.js';

/** Every row has this height: the list renders only the rows in view (plus a margin). */
const ROW = 20;
const MARGIN = 20;
const LEVELS = {
  all: () => true,
  warn: (line) => line.source === 'stderr' || /\b(warn(ing)?|error|fatal|panic)\b/i.test(line.text),
  error: (line) => /\b(error|fatal|panic)\b/i.test(line.text) || line.source === 'devup',
};

function matcher(text, regex) {
  if (!text) return { test: () => true, error: null };
  if (!regex) {
    const needle = text.toLowerCase();
    return { test: (line) => stripAnsi(line).toLowerCase().includes(needle), error: null };
  }
  try {
    const pattern = new RegExp(text, 'i');
    return { test: (line) => pattern.test(stripAnsi(line)), error: null };
  } catch (e) {
    return { test: () => true, error: e.message };
  }
}

function time(ms) {
  const d = new Date(ms);
  return `${d.toTimeString().slice(0, 8)}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

function LogRow({ line, index, timestamps }) {
  return html`<div class=${`row ${line.source}`} style=${`top:${index * ROW}px`} data-seq=${line.seq}>
    ${timestamps ? html`<span class="time">${time(line.time)}</span>` : null}
    <span class="who">${line.resource}</span>
    <span class="text">${ansiPieces(line.text).map((p) => (p.classes ? html`<span class=${p.classes}>${p.text}</span>` : p.text))}</span>
  </div>`;
}

function download(lines) {
  const text = lines.map((l) => `${new Date(l.time).toISOString()} ${l.resource} ${stripAnsi(l.text)}`).join('\n');
  const url = URL.createObjectURL(new Blob([`${text}\n`], { type: 'text/plain' }));
  const a = Object.assign(document.createElement('a'), { href: url, download: 'devup-logs.txt' });
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

function Filters({
  names,
  chosen,
  setChosen,
  filter,
  setFilter,
  regex,
  setRegex,
  level,
  setLevel,
  timestamps,
  setTimestamps,
}) {
  // No choice means every resource (those that appear later too).
  const toggle = (name) => {
    const shown = chosen.length === 0 ? names : chosen;
    const next = shown.includes(name) ? shown.filter((n) => n !== name) : [...shown, name];
    setChosen(next.length === names.length ? [] : next);
  };
  return html`<div class="filters" role="group" aria-label="Log filters">
    <fieldset><legend>Resources</legend>
      ${names.map(
        (name) =>
          html`<label><input type="checkbox" checked=${chosen.length === 0 || chosen.includes(name)} onChange=${() => toggle(name)} /> ${name}</label>`,
      )}
    </fieldset>
    <label>Filter <input type="search" name="filter" value=${filter} onInput=${(e) => setFilter(e.currentTarget.value)} placeholder="text or /regex/" /></label>
    <label><input type="checkbox" name="regex" checked=${regex} onChange=${(e) => setRegex(e.currentTarget.checked)} /> regex</label>
    <label>Level <select name="level" value=${level} onChange=${(e) => setLevel(e.currentTarget.value)}>
      <option value="all">all</option><option value="warn">warnings and errors</option><option value="error">errors</option>
    </select></label>
    <label><input type="checkbox" checked=${timestamps} onChange=${(e) => setTimestamps(e.currentTarget.checked)} /> timestamps</label>
  </div>`;
}

export function LogsPage({ store }) {
  const names = [...new Set([...store.resources.map((r) => r.name), ...store.logs.map((l) => l.resource)])];
  const [chosen, setChosen] = useState([]);
  const [filter, setFilter] = useState('');
  const [regex, setRegex] = useState(false);
  const [level, setLevel] = useState('all');
  const [timestamps, setTimestamps] = useState(true);
  const [follow, setFollow] = useState(true);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const box = useRef(null);
  const match = useMemo(() => matcher(filter, regex), [filter, regex]);
  const lines = useMemo(
    () =>
      store.logs.filter(
        (l) => (chosen.length === 0 || chosen.includes(l.resource)) && LEVELS[level](l) && match.test(l.text),
      ),
    [store.logVersion, chosen, level, match],
  );
  useEffect(() => {
    const el = box.current;
    if (el && follow) el.scrollTop = el.scrollHeight;
  });
  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const observer = new ResizeObserver(() => setHeight(el.clientHeight));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  const onScroll = (e) => {
    const el = e.currentTarget;
    setScrollTop(el.scrollTop);
    // Scrolled up: the list holds still; back at the bottom: it follows again.
    setFollow(el.scrollTop + el.clientHeight >= el.scrollHeight - ROW);
  };
  const top = follow ? Math.max(0, lines.length * ROW - height) : scrollTop;
  const first = Math.max(0, Math.floor(top / ROW) - MARGIN);
  const last = Math.min(lines.length, Math.ceil((top + height) / ROW) + MARGIN);
  const setters = { setChosen, setFilter, setRegex, setLevel, setTimestamps };
  return html`
    <h1>Logs</h1>
    <${Filters} names=${names} chosen=${chosen} filter=${filter} regex=${regex} level=${level} timestamps=${timestamps} ...${setters} />
    ${match.error ? html`<p class="error" role="alert">Not a regular expression: ${match.error}</p>` : null}
    <div class="log-bar">
      <span class="count" data-count=${lines.length}>${lines.length} lines</span>
      ${follow ? html`<span class="following">following</span>` : html`<button type="button" class="paused" onClick=${() => setFollow(true)}>paused: jump to the newest</button>`}
      <button type="button" class="secondary" onClick=${() => download(lines)}>download</button>
    </div>
    <div class="log" ref=${box} onScroll=${onScroll} tabindex="0" role="log" aria-label="Log lines">
      <div class="log-inner" style=${`height:${lines.length * ROW}px`}>
        ${lines.slice(first, last).map((line, i) => html`<${LogRow} key=${line.seq} line=${line} index=${first + i} timestamps=${timestamps} />`)}
      </div>
    </div>
  `;
}
