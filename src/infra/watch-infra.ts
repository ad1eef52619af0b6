import type { DockerApi } from '../database/docker/api.js';
import { LABEL } from '../database/docker/labels.js';
import type { InfraOwner } from './infra-plan.js';

/**
 * While services run: one line when an infra container of this checkout dies (killed, crashed,
 * out of memory), from Docker's event stream (one open request, no polling). Returns the closer.
 */
export async function watchInfraExits(
  api: DockerApi,
  owner: InfraOwner,
  report: (line: string, event: { infra: string; exitCode: number | undefined }) => void,
): Promise<() => void> {
  const docker = await api.client();
  const stream = (await docker.getEvents({
    filters: { type: ['container'], event: ['die'], label: [`${LABEL.project}=${owner.project}`, LABEL.infra] },
  })) as NodeJS.ReadableStream & { destroy?: () => void };
  let buffered = '';
  stream.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      let event: { Actor?: { Attributes?: Record<string, string> } };
      try {
        event = JSON.parse(line);
      } catch {
        continue; // not an event line: nothing to report
      }
      const attributes = event.Actor?.Attributes ?? {};
      const checkout = attributes[LABEL.checkout];
      if (owner.checkout !== undefined && checkout !== undefined && checkout !== owner.checkout) continue;
      const name = attributes[LABEL.infra] ?? '?';
      const code = attributes.exitCode === undefined ? undefined : Number(attributes.exitCode);
      report(
        `infra.${name}: container ${attributes.name ?? name} exited${code === undefined ? '' : ` (code ${code})`}; services using it will fail until \`devup dev\` starts it again`,
        { infra: name, exitCode: code },
      );
    }
  });
  stream.on('error', () => {});
  return () => stream.destroy?.();
}
