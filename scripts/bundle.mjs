#!/usr/bin/env node
// The CLI as a few files instead of ~190 modules: dist/bundle/devup.mjs, one chunk holding what a
// warm `devup dev` / `devup migrate` runs, and chunks for what loads lazily (each `await import()`
// of a rarely used part stays lazy), with source maps to src/. Run by `npm run build`, after tsc;
// `bin/devup.js` prefers the bundle and falls back to dist/cli/main.js.
//
// Why rolldown and these groups: start-up cost is per module file (resolve, read, compile, link:
// ≈0.3 ms each on this 2-core machine, Node 20 and 24 alike). Automatic code splitting cuts the
// code by which lazy imports reach it, and with ~40 lazy imports that gave 39 files on the warm
// path (≈15 ms of a ≈100 ms warm run). esbuild cannot merge chunks; rolldown's manual groups can.
// A group's modules are all evaluated when its chunk loads, so the warm group holds only what the
// warm path runs: a module missing from it still works (it lands in an automatic chunk, one more
// file); one that does not belong there costs its parse on every run.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(REPO, 'dist', 'bundle');

/**
 * Dependencies folded into the bundle: plain JavaScript on the start-up path, many files each.
 * Everything else stays a normal import: packages that find files next to themselves
 * (WebAssembly, platform binaries, native add-ons) or load rarely. pg's optional peers
 * (pg-native, pg-cloudflare) stay outside and are required only if used.
 */
const BUNDLED = new Set([
  'commander',
  'zod',
  'p-limit',
  'yocto-queue',
  'tinyglobby',
  'fdir',
  'picomatch',
  'pg-connection-string',
  'pg',
  'pg-pool',
  'pg-protocol',
  'pg-types',
  'pg-int8',
  'pgpass',
  'split2',
  'postgres-array',
  'postgres-bytea',
  'postgres-date',
  'postgres-interval',
  'xtend',
]);

const packageName = (specifier) => {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
};

const SEP = String.raw`[\\/]`;
const under = (dir, names) => `${dir}${SEP}(?:${names})\\.ts`;
/**
 * The warm path of `devup migrate` and `devup dev` up to "services start": config, the engine's
 * warm reuse, one history query per database, the plan. Not here: zod validation (only when the
 * config changed), the Docker/embedded engines' start, external tools, schema docs, check.
 */
const WARM = new RegExp(
  `${SEP}src${SEP}(?:${[
    String.raw`[a-z-]+\.ts`,
    under('checkouts', '[a-z-]+'),
    under('cli', 'main|context|dev|migrate|prepare-database|interrupts'),
    under('config', '(?!(?:validate|schema|json-schema|define)\\.ts)[a-z-]+'),
    under(
      'database',
      'boot|connection[a-z-]*|local-connection|create-database|engine|engine-state|external-engine|readiness|server-errors|tls|docker-labels|docker-socket',
    ),
    under(
      'migrations',
      '(?!(?:baseline|build-fingerprint|new-migration|repair|reset-template|rollback|snapshots|seed-files|dry-run)\\.ts)[a-z-]+',
    ),
    under('lib', '[a-z-]+'),
    under('ui', 'output|format-error|migration-progress'),
  ].join('|')})$`,
);
/** What `devup dev` adds once the database is ready: the supervisor and its processes. */
const SERVICES = new RegExp(`${SEP}src${SEP}(?:services${SEP}[a-z-]+|cli${SEP}(?:start-services|dev-keys))\\.ts$`);

await build({
  // `index` is the package's entry ("exports" in package.json): a config file's
  // `import { defineConfig } from 'devup'` then reuses the modules the CLI already loaded instead
  // of reading ~100 files of dist/ (≈40 ms of every start of such a config).
  input: { devup: path.join(REPO, 'src', 'cli', 'main.ts'), index: path.join(REPO, 'src', 'index.ts') },
  platform: 'node',
  logLevel: 'warn',
  // Imports are written `./x.js` for tsc's output; the sources are `.ts`.
  resolve: { extensionAlias: { '.js': ['.ts', '.js'] } },
  external: (id) =>
    id.startsWith('node:') || (/^[^./]/.test(id) && !path.isAbsolute(id) && !BUNDLED.has(packageName(id))),
  // A lazy import of a module that is also imported statically elsewhere loads with that chunk:
  // expected here (the warm group), not worth a warning per build.
  onLog: (level, log, handler) => {
    if (log.code === 'INEFFECTIVE_DYNAMIC_IMPORT') return;
    handler(level, log);
  },
  plugins: [
    {
      // src/version.ts reads ../package.json next to dist/; the bundle sits one level deeper.
      name: 'version',
      load(id) {
        if (!/[/\\]src[/\\]version\.ts$/.test(id)) return undefined;
        const { version } = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8'));
        return { code: `export const VERSION = ${JSON.stringify(version)};`, moduleType: 'ts' };
      },
    },
  ],
  output: {
    dir: OUT,
    cleanDir: true,
    format: 'esm',
    entryFileNames: '[name].mjs',
    chunkFileNames: 'chunk-[name]-[hash].mjs',
    sourcemap: true,
    sourcemapExcludeSources: true,
    codeSplitting: {
      groups: [
        { name: 'warm', test: WARM },
        { name: 'services', test: SERVICES },
      ],
    },
  },
});
