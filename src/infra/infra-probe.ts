import type { InfraReady } from '../config/types.js';
import type { DockerApi } from '../database/docker/api.js';
import { dockerMessage } from '../database/docker/diagnostics.js';
import { execInContainer } from '../database/docker/exec.js';
import { lastLogLines } from '../database/docker/ready.js';
import { UserError } from '../errors.js';
import { httpGet, tcpAnswers } from './answers.js';
import { hostPort, type InfraPlan } from './infra-plan.js';

/** One look at whether the entry is ready: ready, not yet (with what was seen), or never (a bad check). */
export type ProbeResult = { ready: true } | { ready: false; seen: string };

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
  const answer = await httpGet(port, path);
  if ('error' in answer) return { ready: false, seen: `${url}: ${answer.error}` };
  return answer.status >= 200 && answer.status < 300
    ? { ready: true }
    : { ready: false, seen: `${url} answered ${answer.status}` };
}
