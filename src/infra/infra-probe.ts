import net from 'node:net';
import type { InfraReady } from '../config/types.js';
import type { DockerApi } from '../database/docker/api.js';
import { dockerMessage } from '../database/docker/diagnostics.js';
import { execInContainer } from '../database/docker/exec.js';
import { lastLogLines } from '../database/docker/ready.js';
import { UserError } from '../errors.js';
import type { InfraPlan } from './infra-plan.js';

/** One look at whether the entry is ready: ready, not yet (with what was seen), or never (a bad check). */
export type ProbeResult = { ready: true } | { ready: false; seen: string };

/** The host port a container port is published on (the probe runs from this machine). */
export function hostPort(plan: InfraPlan, containerPort: number): number {
  return plan.entry.ports.find((p) => p.container === containerPort)?.host ?? containerPort;
}

/** Asks once, the way `ready` says: a command inside the container, http, tcp, or a log line. */
export async function probeInfra(api: DockerApi, plan: InfraPlan, ready: InfraReady): Promise<ProbeResult> {
  switch (ready.kind) {
    case 'command':
      return probeCommand(api, plan, ready.argv, ready.expect);
    case 'http':
      return probeHttp(hostPort(plan, ready.port), ready.path);
    case 'tcp':
      return (await tcpAnswers(hostPort(plan, ready.port)))
        ? { ready: true }
        : { ready: false, seen: `nothing answers on 127.0.0.1:${hostPort(plan, ready.port)}` };
    case 'log': {
      const log = await lastLogLines(api, plan.container, 1000);
      return ready.pattern.test(log)
        ? { ready: true }
        : { ready: false, seen: `no log line matches /${ready.pattern.source}/` };
    }
  }
}

async function probeCommand(api: DockerApi, plan: InfraPlan, argv: string[], expect: string | undefined) {
  const shown = argv.join(' ');
  let result: Awaited<ReturnType<typeof execInContainer>>;
  try {
    result = await execInContainer(api, plan.container, argv);
  } catch (error) {
    if (/executable file not found|no such file or directory/i.test(dockerMessage(error)))
      throw missingCommand(plan, shown);
    return { ready: false as const, seen: dockerMessage(error) };
  }
  // 126/127: the shell or runtime could not run it at all; waiting will not change that.
  if (result.exitCode === 127 || result.exitCode === 126 || /executable file not found/i.test(result.output)) {
    throw missingCommand(plan, shown);
  }
  const output = result.output.trim();
  if (result.exitCode === 0 && (expect === undefined || output.includes(expect))) return { ready: true as const };
  return {
    ready: false as const,
    seen: `\`${shown}\` exited ${result.exitCode}${output ? `: ${output.split('\n').at(-1)}` : ''}`,
  };
}

function missingCommand(plan: InfraPlan, shown: string): UserError {
  return new UserError(
    `infra.${plan.entry.name}: the readiness command \`${shown}\` does not exist in the image ${plan.entry.image}`,
    {
      hint: `Set infra.${plan.entry.name}.ready to a command the image has, or to { tcp: PORT }, { http: '/path' } or { log: '…' }.`,
    },
  );
}

async function probeHttp(port: number, path: string): Promise<ProbeResult> {
  const url = `http://127.0.0.1:${port}${path}`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.ok ? { ready: true } : { ready: false, seen: `${url} answered ${response.status}` };
  } catch (error) {
    return { ready: false, seen: `${url}: ${(error as Error).message}` };
  }
}

/**
 * Whether a server answers on the port. Docker's port proxy accepts every connection and closes it
 * when nothing listens inside the container: a connection still open after a moment (or a greeting)
 * is a server.
 */
export function tcpAnswers(port: number, holdMs = 100): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let timer: NodeJS.Timeout | undefined;
    const done = (answer: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    socket.once('connect', () => {
      timer = setTimeout(() => done(true), holdMs);
    });
    socket.once('data', () => done(true));
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}
