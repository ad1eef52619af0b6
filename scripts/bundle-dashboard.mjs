#!/usr/bin/env node
// The dashboard's page, built into dist/dashboard/web/ at build time (`npm run build` runs this
// after scripts/bundle.mjs): one minified script with preact and htm folded in, its stylesheet
// and index.html. Nothing is fetched at run time: no CDN, no web fonts (the system's own fonts).
//
// Why preact + htm rather than lit: the pages are lists and tables re-rendered from one stream of
// state, which is what a virtual DOM with keyed lists does well; preact + htm is ~5 KB gzipped,
// needs no compiler (htm is tagged templates) and no custom-element lifecycle to reason about.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SRC = path.join(REPO, 'src', 'dashboard', 'web');
const OUT = path.join(REPO, 'dist', 'dashboard', 'web');

// Hashed chunk names change from build to build: start empty so none of an older build stays.
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
await build({
  input: { app: path.join(SRC, 'app.js') },
  platform: 'browser',
  logLevel: 'warn',
  // Mermaid's ESM build splits per diagram type (~90 chunks): only those an ER diagram needs load.
  output: { dir: OUT, format: 'esm', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js', minify: true },
});
for (const file of ['index.html', 'style.css']) copyFileSync(path.join(SRC, file), path.join(OUT, file));
