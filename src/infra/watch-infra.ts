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
  const filters = { type: ['container'], event: ['die'], label: [`${LABEL.project}=${owner.project}`, LABEL.infra] };
  return api.events(filters, (raw) => {
    const attributes = (raw as { Actor?: { Attributes?: Record<string, string> } }).Actor?.Attributes ?? {};
    const checkout = attributes[LABEL.checkout];
    if (owner.checkout !== undefined && checkout !== undefined && checkout !== owner.checkout) return;
    const name = attributes[LABEL.infra] ?? '?';
    const code = attributes.exitCode === undefined ? undefined : Number(attributes.exitCode);
    report(
      `infra.${name}: container ${attributes.name ?? name} exited${code === undefined ? '' : ` (code ${code})`}; services using it will fail until \`devup dev\` starts it again`,
      { infra: name, exitCode: code },
    );
  });
}
