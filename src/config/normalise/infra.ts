import path from 'node:path';
import { parseDuration } from '../../lib/duration.js';
import { keptOrNewPassword } from '../default-password.js';
import { INFRA_DEFAULTS } from '../defaults.js';
import { INFRA_KINDS, INFRA_PRESETS, type InfraKind, type InfraPreset } from '../infra-presets.js';
import type { InfraInput } from '../schema.js';
import { closest } from '../suggest.js';
import type { InfraReady, InfraSettings } from '../types.js';
import { type NormaliseContext, normaliseEnv, toCommand } from './context.js';

const NAME = /^[a-z][a-z0-9_-]*$/;

/** `infra.NAME`: the preset's defaults under what the entry sets; credentials kept per checkout. */
export function normaliseInfra(
  ctx: NormaliseContext,
  name: string,
  input: InfraInput,
  stateDir: string,
): InfraSettings {
  const at = `infra.${name}`;
  if (!NAME.test(name)) {
    ctx.problems.push({
      path: at,
      message: 'infra names use lower-case letters, digits, - and _, starting with a letter',
    });
  }
  const kind = presetKind(ctx, at, input.kind);
  const preset = kind === undefined ? undefined : INFRA_PRESETS[kind];
  const image = input.image ?? preset?.image;
  if (image === undefined) {
    ctx.problems.push({
      path: `${at}.image`,
      message: `give an image (or a kind: ${INFRA_KINDS.join(', ')})`,
    });
  }
  const ports = normalisePorts(input, preset);
  const env = normaliseEnv(ctx, `${at}.env`, input.env);
  const { user, password, unsavedIn } = credentials(preset, env, path.join(stateDir, `infra-${name}-password`));
  const volumes = Object.entries(input.volumes ?? {}).map(([volume, mount]) => ({ name: volume, path: mount }));
  if (volumes.length === 0 && preset && (input.data ?? INFRA_DEFAULTS.data) === 'persist') {
    volumes.push({ name: 'data', path: preset.dataPath });
  }
  const command = input.command === undefined ? preset?.command : commandArgv(input.command);
  return {
    name,
    kind,
    image: image ?? '',
    ports,
    env,
    command,
    volumes,
    data: input.data ?? INFRA_DEFAULTS.data,
    ready: normaliseInfraReady(ctx, at, input, preset, ports),
    readyTimeoutMs: toMs(input.ready?.timeout) ?? preset?.readyTimeoutMs ?? INFRA_DEFAULTS.readyTimeout,
    dependsOn: input.dependsOn ?? [],
    user,
    password,
    ...(unsavedIn ? { unsavedPasswordFile: unsavedIn } : {}),
    native: input.native ?? INFRA_DEFAULTS.native,
  };
}

function presetKind(ctx: NormaliseContext, at: string, kind: string | undefined): InfraKind | undefined {
  if (kind === undefined) return undefined;
  if ((INFRA_KINDS as readonly string[]).includes(kind)) return kind as InfraKind;
  const suggestion = closest(kind, INFRA_KINDS);
  ctx.problems.push({
    path: `${at}.kind`,
    message: `unknown kind "${kind}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; kinds: ${INFRA_KINDS.join(', ')}, or leave it out and give an image`,
  });
  return undefined;
}

/** `ports` as given (in order); without any, the preset's, each on the same host port. */
function normalisePorts(input: InfraInput, preset: InfraPreset | undefined): InfraSettings['ports'] {
  const given = Object.entries(input.ports ?? {}).map(([container, host]) => ({ container: Number(container), host }));
  if (given.length > 0) {
    // The preset's main port first, when given: it is the one the URL names.
    const main = preset?.ports[0];
    return [...given.filter((p) => p.container === main), ...given.filter((p) => p.container !== main)];
  }
  return (preset?.ports ?? []).map((container) => ({ container, host: container }));
}

/** The preset's credentials: what `env` sets wins, else kept in `.devup/` (generated on first use). */
function credentials(
  preset: InfraPreset | undefined,
  env: Record<string, string>,
  file: string,
): { user: string; password: string; unsavedIn?: string } {
  const vars = preset?.credentials;
  if (!vars) return { user: '', password: '' };
  const user = env[vars.userVar] ?? vars.user;
  env[vars.userVar] = user;
  const given = env[vars.passwordVar];
  if (given !== undefined) return { user, password: given };
  const kept = keptOrNewPassword(file);
  env[vars.passwordVar] = kept.password;
  return { user, ...kept };
}

/** One of tcp, http, log or command; else the preset's own check; else the first port open. */
function normaliseInfraReady(
  ctx: NormaliseContext,
  at: string,
  input: InfraInput,
  preset: InfraPreset | undefined,
  ports: InfraSettings['ports'],
): InfraReady {
  const ready = input.ready ?? {};
  const kinds = (['tcp', 'http', 'log', 'command'] as const).filter((key) => ready[key] !== undefined);
  if (kinds.length > 1) {
    ctx.problems.push({
      path: `${at}.ready`,
      message: `choose one of tcp, http, log or command (found ${kinds.join(', ')})`,
    });
  }
  const first = ports[0]?.container;
  if (ready.command !== undefined) return { kind: 'command', argv: commandArgv(ready.command) };
  if (ready.tcp !== undefined) return { kind: 'tcp', port: ready.tcp };
  if (ready.http !== undefined) {
    const match = /^(?:(\d+))?(\/.*)$/.exec(ready.http);
    const port = match?.[1] === undefined ? first : Number(match[1]);
    if (!match || port === undefined) {
      ctx.problems.push({
        path: `${at}.ready.http`,
        message: `"${ready.http}" must be a path (/health, on the first port) or PORT/path (8080/health)`,
      });
      return { kind: 'tcp', port: first ?? 0 };
    }
    return { kind: 'http', port, path: match[2] ?? '/' };
  }
  if (ready.log !== undefined) {
    try {
      return { kind: 'log', pattern: new RegExp(ready.log) };
    } catch (error) {
      ctx.problems.push({
        path: `${at}.ready.log`,
        message: `not a valid regular expression: ${(error as Error).message}`,
      });
    }
  }
  if (preset) return preset.ready;
  if (first === undefined) {
    ctx.problems.push({
      path: `${at}.ready`,
      message: 'a container without ports needs a ready check: { log: "…" } or { command: […] }',
    });
    return { kind: 'tcp', port: 0 };
  }
  return { kind: 'tcp', port: first };
}

/** A shell string runs through `sh -c` inside the container, as compose's CMD-SHELL does. */
function commandArgv(value: string | string[]): string[] {
  const spec = toCommand(value);
  return 'argv' in spec ? spec.argv : ['sh', '-c', spec.shell];
}

function toMs(value: number | string | undefined): number | undefined {
  return typeof value === 'string' ? parseDuration(value) : value;
}
