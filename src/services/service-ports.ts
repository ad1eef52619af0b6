import { findPortHolder, stopHint } from '../checkouts/port-holder.js';
import { UserError } from '../errors.js';
import { isPortInUse } from '../ports.js';
import type { SupervisedService } from './supervised-service.js';

/**
 * Refuses, naming each one, who holds it (another devup environment, or the process) and the way
 * out, when a service's port is already taken. `stateDir`: this project's, whose own entry in the
 * checkout registry lists the very ports being checked.
 */
export async function checkServicePorts(services: readonly SupervisedService[], stateDir?: string): Promise<void> {
  const withPorts = services.filter((service) => service.settings.port !== undefined);
  const taken = (
    await Promise.all(
      withPorts.map(async (service) => ((await isPortInUse(service.settings.port as number)) ? service : undefined)),
    )
  ).filter((service) => service !== undefined);
  if (taken.length === 0) return;
  const holderOf = (port: number) => findPortHolder(port, (_root, entry) => entry.stateDir === stateDir);
  const [first] = taken;
  if (taken.length === 1 && first) {
    const { name, settings } = first;
    const holder = holderOf(settings.port as number);
    throw new UserError(
      `Port ${settings.port} of service "${name}" is already in use${holder ? ` by ${holder.what}` : ''}`,
      {
        hint: holder?.stop
          ? `${stopHint(holder)}, or give the service another port: services.${name}.port.`
          : `Stop whatever listens on it (lsof -i :${settings.port}), or give the service another port: services.${name}.port.`,
      },
    );
  }
  const holders = taken.map(({ settings }) => holderOf(settings.port as number));
  const stops = new Set(holders.map((holder) => holder?.stop));
  const [stop] = stops;
  throw new UserError(`${taken.length} service ports are already in use`, {
    details: taken.map(({ name, settings }, index) => {
      const holder = holders[index];
      return `services.${name}.port: ${settings.port}${holder ? ` (${holder.what})` : ''}`;
    }),
    hint:
      stops.size === 1 && stop !== undefined
        ? `Stop them (${stop}), or give the services other ports in the config.`
        : 'Stop whatever listens on them (lsof -i :PORT), or give the services other ports in the config.',
  });
}
