#!/usr/bin/env node
// Plain JS shim so `npm ci` leaves a runnable CLI with no TypeScript loader on the hot path.
import { main } from '../dist/cli/main.js';

void main(process.argv);
