import { UserError } from '../errors.js';
import { isPortInUse } from '../ports.js';
import type { SupervisedService } from './supervised-service.js';

/** Refuses, naming each one and the way out, when a service's port is already taken. */
export async function checkServicePorts(services: readonly SupervisedService[]): Promise<void> {
  const withPorts = services.filter((service) => service.settings.port !== undefined);
  const taken = (
    await Promise.all(
      withPorts.map(async (service) => ((await isPortInUse(service.settings.port as number)) ? service : undefined)),
    )
  ).filter((service) => service !== undefined);
  if (taken.length === 0) return;
  const [first] = taken;
  if (taken.length === 1 && first) {
    const { name, settings } = first;
    throw new UserError(`Port ${settings.port} of service "${name}" is already in use`, {
      hint: `Stop whatever listens on it (lsof -i :${settings.port}), or give the service another port: services.${name}.port.`,
    });
  }
  throw new UserError(`${taken.length} service ports are already in use`, {
    details: taken.map(({ name, settings }) => `services.${name}.port: ${settings.port}`),
    hint: 'Stop whatever listens on them (lsof -i :PORT), or give the services other ports in the config.',
  });
}
