// dashboard: what `devup dev --ui` costs and how the page behaves, in Debian's Chromium driven by
// playwright-core, on a private copy of the demo with a fourth service that floods its log on cue.
// Rows: the ready table with and without --ui (paired), the page's first paint (token redirect
// included), the Resources table shown, the Schema page's diagrams drawn, and one 30 s flood at
// 10,000 lines a second with the Logs page open: keystroke to paint, devup's CPU and memory.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { liveChildren, onCleanup } from './cleanup.mjs';
import { untilReady } from './demo.mjs';
import { runCases, skippedCase } from './measure.mjs';
import { freePort, log, median, runSync, tail } from './util.mjs';

const CHROMIUM = '/usr/bin/chromium';
const DASHBOARD_URL = /dashboard +(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/;
export const FLOOD = { linesPerSecond: 10_000, seconds: 30, keystrokeEveryMs: 250 };

export const DASHBOARD_ROWS = [
  { id: 'dashboard.dev-off', label: 'devup dev (warm) → all ready' },
  { id: 'dashboard.dev-on', label: 'devup dev --ui (warm) → all ready' },
  { id: 'dashboard.first-paint', label: 'first paint of the printed URL' },
  { id: 'dashboard.resources', label: 'printed URL → services ready shown' },
  { id: 'dashboard.schema', label: 'Schema page → 3 ER diagrams drawn' },
  { id: 'dashboard.flood-keystroke', label: 'keystroke → paint during the flood' },
  { id: 'dashboard.flood-cpu', label: 'devup CPU during the flood', unit: '%' },
  { id: 'dashboard.flood-rss', label: 'devup RSS during the flood (sampled)', unit: 'MiB' },
];

// Waits for its cue (a file), then prints FLOOD.linesPerSecond lines a second for FLOOD.seconds.
const FLOOD_SERVICE = `
import { existsSync, rmSync } from 'node:fs';
const [rate, seconds] = process.argv.slice(2).map(Number);
console.log('flood ready');
const cue = setInterval(() => {
  if (!existsSync('flood.go')) return;
  rmSync('flood.go');
  clearInterval(cue);
  const start = Date.now();
  let sent = 0;
  const tick = setInterval(() => {
    const elapsed = Date.now() - start;
    const due = Math.min(rate * seconds, Math.floor((elapsed * rate) / 1000));
    let chunk = '';
    for (; sent < due; sent++) {
      const level = sent % 50 === 0 ? 'WARN' : 'INFO';
      chunk += new Date().toISOString() + ' ' + level + ' GET /api/items/' + (sent % 97) + ' 200 in ' + (sent % 13) + 'ms (line ' + sent + ')\\n';
    }
    if (chunk) process.stdout.write(chunk);
    if (sent >= rate * seconds) {
      clearInterval(tick);
      console.log('flood done');
    }
  }, 10);
}, 20);
setInterval(() => {}, 1 << 30);
`;

function dashboardRow(index, extra = {}) {
  return { ...DASHBOARD_ROWS[index], group: 'dashboard', kind: 'devup', ...extra };
}

/** A copy of the demo with the dashboard's port fixed and the flood service added. */
async function prepareDemo(repo) {
  const dir = path.join(repo, 'bench', '.work', randomBytes(4).toString('hex'));
  mkdirSync(path.dirname(dir), { recursive: true });
  cpSync(path.join(repo, 'demo'), dir, {
    recursive: true,
    filter: (src) => !src.includes(`${path.sep}.devup`) && !src.endsWith(`${path.sep}.env`),
  });
  mkdirSync(path.join(dir, 'services', 'flood'), { recursive: true });
  writeFileSync(path.join(dir, 'services', 'flood', 'flood.mjs'), FLOOD_SERVICE);
  const config = path.join(dir, 'devup.config.mjs');
  const uiPort = await freePort();
  const flood = `flood: { cwd: 'services/flood', command: 'node flood.mjs ${FLOOD.linesPerSecond} ${FLOOD.seconds}', ready: { log: 'flood ready' } },\n    `;
  writeFileSync(
    config,
    readFileSync(config, 'utf8').replace('services: {', `ui: { port: ${uiPort} },\n  services: {\n    ${flood}`),
  );
  const env = {
    ...process.env,
    CI: 'true',
    DEMO_PROJECT: `devup-bench-${process.pid}-ui`,
    DEMO_DB_PORT: String(await freePort()),
    DEMO_AUTH_PORT: String(await freePort()),
    DEMO_WORKFLOW_PORT: String(await freePort()),
    DEMO_INGESTION_PORT: String(await freePort()),
  };
  return { dir, config, env };
}

/** `devup dev --ui` kept running: resolves with its pid and the printed URL; `stop()` ends it. */
function startSession(repo, args, { cwd, env }) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repo, 'bin', 'devup.js'), ...args], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    liveChildren.add(child);
    let output = '';
    let url;
    // The flood goes through devup's stdout too: read it all, keep only the start.
    child.stdout.on('data', (chunk) => {
      if (url) return;
      output += chunk;
      url = DASHBOARD_URL.exec(output)?.[1];
      if (url) resolve({ pid: child.pid, url, stop });
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    const exited = new Promise((done) => child.on('close', done));
    async function stop() {
      child.kill('SIGINT');
      await exited;
      liveChildren.delete(child);
    }
    child.on('error', reject);
    child.on('close', (code) => {
      if (!url)
        reject(new Error(`devup dev --ui exited (${code}) before printing the dashboard URL:\n${tail(output, 10)}`));
    });
  });
}

/** One fresh browser context per sample: the token in the URL is exchanged for a cookie each time. */
async function pageSample(browser, fn) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const page = await context.newPage();
    return await fn(page);
  } finally {
    await context.close();
  }
}

function firstPaintMs(browser, url) {
  return pageSample(browser, async (page) => {
    await page.goto(url);
    await page.locator('tr[data-resource="auth"]').waitFor();
    // Relative to the navigation's start, which includes the token's redirect to the cookie.
    return page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN);
  });
}

function resourcesShownMs(browser, url) {
  return pageSample(browser, async (page) => {
    const started = performance.now();
    await page.goto(url);
    for (const name of ['auth', 'workflow', 'ingestion']) {
      await page.locator(`tr[data-resource="${name}"][data-state="ready"]`).waitFor();
    }
    return performance.now() - started;
  });
}

function schemaDrawnMs(browser, url) {
  return pageSample(browser, async (page) => {
    await page.goto(url);
    await page.locator('tr[data-resource="auth"]').waitFor();
    const started = performance.now();
    await page.locator('a[data-page="schema"]').click();
    for (const service of ['auth', 'workflow', 'ingestion']) {
      await page.locator(`section[data-service="${service}"] .er[data-drawn="true"] svg`).waitFor();
    }
    return performance.now() - started;
  });
}

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100; // USER_HZ is 100 on Linux
}

function rssMiB(pid) {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/** The flood: cues the service, types into the Logs filter while it runs, samples devup's CPU and RSS. */
async function floodRun(browser, session, dir) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const page = await context.newPage();
    await page.goto(session.url);
    await page.locator('a[data-page="logs"]').click();
    const filter = page.locator('input[name="filter"]');
    await filter.waitFor();
    // From the key's own timestamp to the first task after the next frame: the page has painted.
    await page.evaluate(() => {
      window.benchLatencies = [];
      document.addEventListener(
        'keydown',
        (event) => {
          const at = event.timeStamp;
          requestAnimationFrame(() => setTimeout(() => window.benchLatencies.push(performance.now() - at), 0));
        },
        true,
      );
    });
    await filter.click();
    const rss = [rssMiB(session.pid)];
    const cpuBefore = cpuSeconds(session.pid);
    const started = performance.now();
    writeFileSync(path.join(dir, 'services', 'flood', 'flood.go'), '');
    const keys = ['e', 'r', 'r', 'Backspace', 'Backspace', 'Backspace'];
    for (let i = 0; performance.now() - started < FLOOD.seconds * 1000; i++) {
      await page.keyboard.press(keys[i % keys.length]);
      rss.push(rssMiB(session.pid));
      await page.waitForTimeout(FLOOD.keystrokeEveryMs);
    }
    const elapsedS = (performance.now() - started) / 1000;
    const cpuPercent = ((cpuSeconds(session.pid) - cpuBefore) / elapsedS) * 100;
    // The flood's last line reached the page: every line went through devup (and the page followed).
    await filter.fill('');
    await page.locator('.log .row', { hasText: 'flood done' }).waitFor({ timeout: 60_000 });
    await page.waitForFunction(() => window.benchLatencies.length > 0);
    const latencies = await page.evaluate(() => window.benchLatencies);
    return { latencies, cpuPercent, rss, elapsedS };
  } finally {
    await context.close();
  }
}

function valuesRow(row, samples, note) {
  return {
    ...row,
    note,
    samples,
    rounds: {},
    median: median(samples),
    min: Math.min(...samples),
    max: Math.max(...samples),
  };
}

export async function dashboardSuite({ repo, runs }) {
  log('\n== dashboard: devup dev --ui in Chromium (first paint, Schema page, a 10,000 lines/s flood)');
  const rows = DASHBOARD_ROWS.map((_, i) => dashboardRow(i));
  if (!existsSync(CHROMIUM))
    return rows.map((r) => skippedCase(r, `${CHROMIUM} is missing (apt-get install chromium)`));
  const { chromium } = await import('playwright-core');
  const { dir, config, env } = await prepareDemo(repo);
  const engineArgs = ['--engine', 'embedded'];
  const dispose = onCleanup('remove the dashboard demo copy', () => {
    runSync(
      process.execPath,
      [path.join(repo, 'bin', 'devup.js'), ...engineArgs, 'down', '--volumes', '--yes', '--config', config],
      {
        cwd: dir,
        env,
        allowFailure: true,
      },
    );
    rmSync(dir, { recursive: true, force: true });
    try {
      rmdirSync(path.dirname(dir));
    } catch {}
  });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
  try {
    const dev = (flags) => async () =>
      (await untilReady(repo, [...engineArgs, 'dev', ...flags, '--config', config], { cwd: dir, env })).ms;
    const note = 'engine embedded; the demo and a 4th service (the flood, idle here)';
    const results = await runCases(
      [
        { ...rows[0], note, run: dev([]) },
        { ...rows[1], note: `${note}; the dashboard served, no page open`, run: dev(['--ui']) },
      ],
      runs,
      { title: 'dashboard on/off' },
    );
    const session = await startSession(repo, [...engineArgs, 'dev', '--ui', '--config', config], { cwd: dir, env });
    try {
      results.push(
        ...(await runCases(
          [
            {
              ...rows[2],
              note: 'first-contentful-paint, from the navigation (the token redirect included)',
              run: () => firstPaintMs(browser, session.url),
            },
            {
              ...rows[3],
              note: 'a new browser context each run, until auth, workflow, ingestion show ready',
              run: () => resourcesShownMs(browser, session.url),
            },
            {
              ...rows[4],
              note: 'from the click: the page script and Mermaid loaded, the schema read, 3 diagrams drawn',
              run: () => schemaDrawnMs(browser, session.url),
            },
          ],
          runs,
          { title: 'dashboard page' },
        )),
      );
      const flood = await floodRun(browser, session, dir);
      const rate = `${FLOOD.linesPerSecond.toLocaleString('en')} lines/s for ${FLOOD.seconds} s, Logs page open`;
      log(
        `dashboard flood: ${flood.latencies.length} keystrokes, CPU ${flood.cpuPercent.toFixed(1)} %, RSS ${flood.rss[0].toFixed(0)} → max ${Math.max(...flood.rss).toFixed(0)} MiB`,
      );
      results.push(
        valuesRow(
          rows[5],
          flood.latencies,
          `${rate}; one keystroke in the filter every ${FLOOD.keystrokeEveryMs} ms; n = keystrokes`,
        ),
        valuesRow(rows[6], [flood.cpuPercent], `${rate}; user + system time of the devup process ÷ wall time`),
        valuesRow(
          rows[7],
          flood.rss,
          `${rate}; VmRSS sampled at each keystroke (first sample ${flood.rss[0].toFixed(0)} MiB, before the flood)`,
        ),
      );
    } finally {
      await session.stop();
    }
    return results;
  } finally {
    await browser.close();
    dispose();
  }
}

/** The ready table with --ui, later than without it: the median of per-round differences. */
export function dashboardReadyDelay(results) {
  const off = results.find((r) => r.id === 'dashboard.dev-off');
  const on = results.find((r) => r.id === 'dashboard.dev-on');
  if (!off?.rounds || !on?.rounds) return undefined;
  const deltas = Object.keys(on.rounds)
    .filter((round) => off.rounds[round] !== undefined)
    .map((round) => on.rounds[round] - off.rounds[round]);
  return median(deltas);
}
