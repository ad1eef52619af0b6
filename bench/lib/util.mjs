import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import { liveChildren } from './cleanup.mjs';

export function log(message) {
  process.stderr.write(`${message}\n`);
}

export function median(values) {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function tail(text, lines = 15) {
  return String(text ?? '')
    .trimEnd()
    .split('\n')
    .slice(-lines)
    .join('\n');
}

/** Runs a command to completion (untimed setup work); throws with its output on failure. */
export function runSync(command, args, options = {}) {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    ...options,
    env: { ...process.env, ...options.env },
  });
  if (result.error) throw new Error(`${command} ${args.join(' ')}: ${result.error.message}`);
  if (result.status !== 0 && !options.allowFailure) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.status ?? result.signal}:\n${tail(result.stderr || result.stdout)}`,
    );
  }
  return result;
}

/** True when `command` runs and exits 0. */
export function succeeds(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'ignore', timeout: 15_000, ...options });
  return !result.error && result.status === 0;
}

/**
 * Spawns a command and times it with process.hrtime from just before spawn() to its 'exit'.
 * Output is collected (for error messages) but never shown. Rejects on a non-zero exit.
 */
export function timeCommand(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    let output = '';
    const limit = options.maxOutput ?? 256 * 1024;
    const collect = (chunk) => {
      output += chunk;
      if (output.length > limit) output = output.slice(-limit); // keep the end: errors are there
    };
    const started = process.hrtime.bigint();
    let child;
    try {
      child = spawn(command, args, {
        cwd: options.cwd,
        env: { ...process.env, ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
    } catch (error) {
      reject(error);
      return;
    }
    liveChildren.add(child);
    let ms;
    child.on('exit', () => {
      ms = Number(process.hrtime.bigint() - started) / 1e6;
    });
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = options.timeoutMs
      ? setTimeout(() => {
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {}
        }, options.timeoutMs)
      : undefined;
    child.on('error', (error) => {
      clearTimeout(timer);
      liveChildren.delete(child);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      liveChildren.delete(child);
      if (code === 0) resolve({ ms, output });
      else {
        const last =
          output
            .trimEnd()
            .split('\n')
            .filter((l) => l.trim())
            .at(-1) ?? '';
        const error = new Error(
          `${[command, ...args].join(' ').slice(0, 160)} exited ${code ?? signal}: ${last.trim().slice(0, 200)}\n${tail(output)}`,
        );
        error.output = output;
        reject(error);
      }
    });
  });
}

/** A TCP port nobody listens on right now (on 127.0.0.1). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export function formatMs(ms) {
  if (ms === undefined || Number.isNaN(ms)) return '—';
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${Math.round(ms)} ms`;
  return `${ms.toFixed(1)} ms`;
}
