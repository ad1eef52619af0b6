import type { ResourceSource } from './resource-state.js';

/**
 * The adapter seam for infra resources (Redis, queues, object stores: src/infra/, built beside
 * this). An infra supervisor plugs in by implementing ResourceSource with kind 'infra' and being
 * returned here; until it lands there is none, and the page shows Postgres and the services.
 */
export interface InfraResourceSource extends ResourceSource {
  readonly kind: 'infra';
}

export function infraResourceSource(_session: unknown): InfraResourceSource | undefined {
  return undefined;
}
