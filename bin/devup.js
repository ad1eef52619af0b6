#!/usr/bin/env node
// Plain JS shim so `npm ci` leaves a runnable CLI with no TypeScript loader on the hot path.
// The bundle (scripts/bundle.mjs) starts faster than ~170 separate modules; dist/cli/main.js is
// the same code when the bundle was not built.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/bundle/devup.mjs', import.meta.url);
const { main } = await import(existsSync(bundle) ? bundle.href : '../dist/cli/main.js');

void main(process.argv);
