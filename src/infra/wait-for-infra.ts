import type { DockerApi } from '../database/docker/api.js';
import { indentLines, lastLogLines } from '../database/docker/ready.js';
import { UserError } from '../errors.js';
import { tcpAnswers } from './answers.js';
import { hostPort, type InfraPlan } from './infra-plan.js';
import { type ProbeResult, probeInfra } from './infra-probe.js';

/**
 * Polls the entry's readiness check until it passes. A container that stops meanwhile fails at
 * once with its last log lines (a bad command, a missing setting); so does the start timeout.
 */
export async function waitForInfra(api: DockerApi, plan: InfraPlan): Promise<number> {
  const started = performance.now();
  const { entry } = plan;
  let last: ProbeResult = { ready: false, seen: 'not asked yet' };
  let pause = 100;
  while (performance.now() - started < entry.readyTimeoutMs) {
    const state = (await api.call('inspect the container', () => api.inspectContainer(plan.container)))?.State;
    if (!state?.Running) {
      throw await failed(api, plan, `its container exited${state ? ` (code ${state.ExitCode})` : ''} while starting`);
    }
    last = await probeGated(api, plan);
    if (last.ready) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(pause * 2, 1000);
  }
  throw await failed(
    api,
    plan,
    `not ready after ${Math.round(entry.readyTimeoutMs / 1000)} s (${last.ready ? '' : last.seen})`,
  );
}

/**
 * A preset's command check runs only once its main port answers: `docker exec` costs the engine a
 * process in the container each time, which a first start (initdb beside it) feels on two cores.
 */
async function probeGated(api: DockerApi, plan: InfraPlan): Promise<ProbeResult> {
  const main = plan.entry.ports[0];
  if (plan.entry.kind !== undefined && plan.entry.ready.kind === 'command' && main !== undefined) {
    const port = hostPort(plan, main.container);
    if (!(await tcpAnswers(port, 20))) return { ready: false, seen: `nothing answers on 127.0.0.1:${port} yet` };
  }
  return probeInfra(api, plan, plan.entry.ready);
}

async function failed(api: DockerApi, plan: InfraPlan, why: string): Promise<UserError> {
  const log = await lastLogLines(api, plan.container, 20, plan.entry.password);
  return new UserError(`infra.${plan.entry.name} (${plan.entry.image}) did not become ready: ${why}`, {
    details: ['Last lines of the container log:', ...indentLines(log)],
    hint: `See \`docker logs ${plan.container}\`; fix infra.${plan.entry.name} in the config, or raise infra.${plan.entry.name}.ready.timeout.`,
  });
}
