#!/usr/bin/env node
// The CLI as a few files instead of ~170 modules: dist/bundle/devup.mjs plus one chunk per lazily
// imported part (each `await import()` stays lazy), with source maps to src/. Start-up cost is
// per module (resolve, read, compile), so fewer files start faster; `bin/devup.js` prefers the
// bundle and falls back to dist/cli/main.js. Run by `npm run build`, after tsc.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(REPO, 'dist', 'bundle');

/**
 * Dependencies folded into the bundle: plain JavaScript on the start-up path, many files each
 * (zod alone is ~95). Everything else stays a normal import: packages that find files next to
 * themselves (WebAssembly, platform binaries, native add-ons) or load rarely. A CommonJS package
 * may be folded in only where it is imported statically: a dynamic import() of one gives just a
 * default export in the bundle (dotenv's `const { parse } = await import('dotenv')` broke so).
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
  // pg and its own dependencies: ~30 CommonJS files on every command that talks to Postgres,
  // resolved and wrapped one by one when left outside (≈7 ms of a ≈100 ms warm `devup migrate`).
  // Its optional peers (pg-native, pg-cloudflare) stay outside and are required only if used.
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

rmSync(OUT, { recursive: true, force: true });
await build({
  entryPoints: { devup: path.join(REPO, 'src', 'cli', 'main.ts') },
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunk-[hash]',
  // commander is CommonJS: its require('node:events') needs a real require in an ES module.
  banner: {
    js: "import { createRequire as __devupRequire } from 'node:module'; const require = __devupRequire(import.meta.url);",
  },
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'warning',
  plugins: [
    {
      // src/version.ts reads ../package.json next to dist/; the bundle sits one level deeper.
      name: 'version',
      setup(b) {
        b.onLoad({ filter: /[/\\]src[/\\]version\.ts$/ }, () => {
          const { version } = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8'));
          return { contents: `export const VERSION = ${JSON.stringify(version)};`, loader: 'ts' };
        });
      },
    },
    {
      name: 'external-packages',
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (args) => {
          if (args.path.startsWith('node:')) return { path: args.path, external: true };
          return BUNDLED.has(packageName(args.path)) ? undefined : { path: args.path, external: true };
        });
      },
    },
  ],
});
