#!/usr/bin/env node
// Plain JS shim so `npm ci` leaves a runnable CLI with no TypeScript loader on the hot path.
// The bundle (scripts/bundle.mjs) starts faster than ~170 separate modules; dist/cli/main.js is
// the same code when the bundle was not built.
import { existsSync } from 'node:fs';
import module from 'node:module';

// Node 22.1+ keeps V8's compiled code for these files on disk (in the OS temp directory), so a
// warm run does not parse and compile half a megabyte of JavaScript again. Node 20 has no such
// cache (the call is absent); NODE_DISABLE_COMPILE_CACHE=1 turns it off, and a temp directory
// that cannot be written only means no cache.
module.enableCompileCache?.();

const bundle = new URL('../dist/bundle/devup.mjs', import.meta.url);
const { main } = await import(existsSync(bundle) ? bundle.href : '../dist/cli/main.js');

void main(process.argv);
