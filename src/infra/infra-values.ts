import { INFRA_PRESETS } from '../config/infra-presets.js';
import type { InfraReady, InfraSettings } from '../config/types.js';

/** What a service reads of a running entry: `{infra.NAME.url}` and friends, and `devup status`. */
export interface InfraValues {
  url: string;
  host: string;
  port: string;
  user: string;
  password: string;
}

/** The preset's URL on the main host port; a generic container's is host:port (no scheme is guessed). */
export function infraValues(entry: InfraSettings): InfraValues {
  const host = '127.0.0.1';
  const port = entry.ports[0]?.host;
  const preset = entry.kind === undefined ? undefined : INFRA_PRESETS[entry.kind];
  const url =
    port === undefined
      ? ''
      : preset
        ? preset.url({ host, port, user: entry.user, password: entry.password })
        : `${host}:${port}`;
  return { url, host, port: port === undefined ? '' : String(port), user: entry.user, password: entry.password };
}

/** The placeholder values of every entry, keyed as env-placeholders.ts looks them up: `infra.cache.url`. */
export function infraPlaceholderValues(entries: readonly InfraSettings[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of entries) {
    for (const [field, value] of Object.entries(infraValues(entry))) out[`infra.${entry.name}.${field}`] = value;
  }
  return out;
}

/** The URL as people read it, the password masked. */
export function displayUrl(entry: InfraSettings): string {
  const { url, password } = infraValues(entry);
  return password ? url.replace(encodeURIComponent(password), '***') : url;
}

/** An entry's readiness check in words (the dashboard's Resources page, `status --json`). */
export function describeInfraReady(ready: InfraReady): string {
  switch (ready.kind) {
    case 'command':
      return `runs ${ready.argv.join(' ')}`;
    case 'http':
      return `GET :${ready.port}${ready.path}`;
    case 'tcp':
      return `TCP port ${ready.port}`;
    case 'log':
      return `log line /${ready.pattern.source}/`;
  }
}
