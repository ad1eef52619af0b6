/** A compose service as parsed: only the keys devup reads are typed. */
export interface ComposeService {
  image?: unknown;
  build?: unknown;
  ports?: unknown;
  environment?: unknown;
  env_file?: unknown;
  command?: unknown;
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  healthcheck?: unknown;
  depends_on?: unknown;
  [key: string]: unknown;
}

/** `ports`: short (`[ip:]host:container[/tcp]`, `container`) and long syntax, as container → host. */
export function portMap(ports: unknown, at: string, notCarried: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const entry of Array.isArray(ports) ? ports : []) {
    if (typeof entry === 'object' && entry !== null) {
      const { target, published, protocol } = entry as { target?: unknown; published?: unknown; protocol?: string };
      if (protocol === 'udp') notCarried.push(`${at}.ports ${target}/udp: only TCP ports are published`);
      else if (target !== undefined) out[String(target)] = Number(published ?? target);
      continue;
    }
    const text = String(entry);
    const match = /^(?:(?:\d+\.\d+\.\d+\.\d+|\[[^\]]+\]):)?(?:(\d+):)?(\d+)(\/tcp)?$/.exec(text);
    if (!match) {
      notCarried.push(`${at}.ports ${text}: ranges and UDP ports are not carried`);
      continue;
    }
    out[match[2] as string] = Number(match[1] ?? match[2]);
  }
  return out;
}

/** Named volumes (`name:/path`, long syntax type volume); bind mounts are listed as not carried. */
export function namedVolumes(
  volumes: ComposeService['volumes'],
  at: string,
  notCarried: string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const volume of Array.isArray(volumes) ? volumes : []) {
    const [source, target] =
      typeof volume === 'string'
        ? volume.split(':')
        : [volume.type === 'volume' ? volume.source : undefined, volume.target];
    if (source && target && /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(source)) {
      out[source.toLowerCase().replace(/[^a-z0-9_.-]/g, '-')] = target;
    } else {
      notCarried.push(
        `${at}.volumes ${typeof volume === 'string' ? volume : JSON.stringify(volume)}: bind mounts are not carried (devup keeps data in named volumes)`,
      );
    }
  }
  return out;
}

/** A compose duration (`1m30s`, `500ms`, `10s`) in milliseconds. */
export function composeDuration(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001 };
  let total = 0;
  let rest = text.trim();
  while (rest) {
    const match = /^(\d+(?:\.\d+)?)(h|ms|m|s|us)/.exec(rest);
    if (!match) return undefined;
    total += Number(match[1]) * (units[match[2] as string] as number);
    rest = rest.slice(match[0].length);
  }
  return Math.round(total);
}

/**
 * `healthcheck` → `ready`: `CMD` runs the argv inside the container, `CMD-SHELL` (or a string)
 * through `sh -c`; the timeout is what compose would wait at most (start period plus every retry).
 */
export function healthcheckReady(
  healthcheck: unknown,
  at: string,
  notCarried: string[],
): { command: string | string[]; timeout?: number } | undefined {
  if (!healthcheck || typeof healthcheck !== 'object') return undefined;
  const h = healthcheck as {
    test?: unknown;
    interval?: unknown;
    timeout?: unknown;
    retries?: unknown;
    start_period?: unknown;
    disable?: unknown;
  };
  if (h.disable === true) return undefined;
  const test = h.test;
  let command: string | string[] | undefined;
  if (typeof test === 'string') command = test;
  else if (Array.isArray(test) && test[0] === 'CMD') command = test.slice(1).map(String);
  else if (Array.isArray(test) && test[0] === 'CMD-SHELL') command = test.slice(1).map(String).join(' ');
  if (command === undefined) {
    if (Array.isArray(test) && test[0] === 'NONE') return undefined;
    notCarried.push(`${at}.healthcheck.test: ${JSON.stringify(test)} is not CMD or CMD-SHELL`);
    return undefined;
  }
  const interval = composeDuration(h.interval) ?? 30_000;
  const timeout = composeDuration(h.timeout) ?? 30_000;
  const retries = typeof h.retries === 'number' ? h.retries : 3;
  const start = composeDuration(h.start_period) ?? 0;
  const given = h.interval !== undefined || h.retries !== undefined || h.start_period !== undefined;
  return given ? { command, timeout: start + (interval + timeout) * retries } : { command };
}
