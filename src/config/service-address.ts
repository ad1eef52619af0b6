import type { PlaceholderValues } from './env-placeholders.js';
import { SERVICE_PARTS } from './env-placeholders.js';
import type { ServiceSettings } from './types.js';

/** Where a service answers: its readiness URL's origin, else its port on loopback (IPv4, where services listen). */
export function serviceBaseUrl(service: Pick<ServiceSettings, 'ready' | 'port'>): string | undefined {
  if (service.ready.kind === 'http') return new URL(service.ready.url).origin;
  return service.port === undefined ? undefined : `http://127.0.0.1:${service.port}`;
}

/** `{service.NAME.url}`, `.host` and `.port` for every service that has an address. */
export function servicePlaceholders(services: readonly ServiceSettings[]): PlaceholderValues {
  const values: PlaceholderValues = {};
  for (const service of services) {
    const base = serviceBaseUrl(service);
    if (base === undefined) continue;
    const url = new URL(base);
    const parts: Record<(typeof SERVICE_PARTS)[number], string> = {
      url: base,
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port || (url.protocol === 'https:' ? '443' : '80'),
    };
    for (const part of SERVICE_PARTS) values[`service.${service.name}.${part}`] = parts[part];
  }
  return values;
}
