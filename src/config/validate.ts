import type { z } from 'zod';
import { type ConfigProblem, normaliseConfig } from './normalise/normalise.js';
import {
  checkSchema,
  configSchema,
  type DevupConfigInput,
  databaseSchema,
  infraReadySchema,
  infraSchema,
  lintSchema,
  migrationsSchema,
  readySchema,
  schemaDocsSchema,
  serviceSchema,
} from './schema.js';
import { closest } from './suggest.js';
import type { ResolvedConfig } from './types.js';

export { findCycle } from './dependency-cycle.js';
export { checkSchemaTemplate, renderSchemaName } from './schema-template.js';
export type { ConfigProblem };

// Read from the schema itself, so a new key never goes missing from the did-you-mean lists.
const KNOWN_KEYS: Record<string, readonly string[]> = {
  '': Object.keys(configSchema.shape),
  database: Object.keys(databaseSchema.shape),
  service: Object.keys(serviceSchema.shape),
  migrations: Object.keys(migrationsSchema.shape),
  ready: Object.keys(readySchema.shape),
  check: Object.keys(checkSchema.shape),
  lint: Object.keys(lintSchema.shape),
  schema: Object.keys(schemaDocsSchema.shape),
  infra: Object.keys(infraSchema.shape),
  infraReady: Object.keys(infraReadySchema.shape),
};

function knownKeysAt(keyPath: readonly PropertyKey[]): readonly string[] {
  const [first, , third] = keyPath;
  if (keyPath.length === 0) return KNOWN_KEYS[''] ?? [];
  if (first === 'database') return KNOWN_KEYS.database ?? [];
  if (first === 'check') return (keyPath.length === 1 ? KNOWN_KEYS.check : KNOWN_KEYS.lint) ?? [];
  if (first === 'schema' && keyPath.length === 1) return KNOWN_KEYS.schema ?? [];
  if (first === 'infra') return (keyPath.length === 2 ? KNOWN_KEYS.infra : KNOWN_KEYS.infraReady) ?? [];
  if (first === 'services' && keyPath.length === 2) return KNOWN_KEYS.service ?? [];
  if (first === 'services' && typeof third === 'string') return KNOWN_KEYS[third] ?? [];
  return [];
}

export function formatKeyPath(keyPath: readonly PropertyKey[]): string {
  return keyPath.map(String).join('.') || '(root)';
}

type ZodIssue = z.core.$ZodIssue;

const ARTICLE: Record<string, string> = { array: 'an array', object: 'an object', integer: 'an integer' };

/** A type check failed at the value itself, not inside it. */
function isRootTypeMismatch(issue: ZodIssue): boolean {
  return issue.code === 'invalid_type' && issue.path.length === 0;
}

/**
 * A union's branches: the one that got past its type check is what the user meant, so its own
 * problems are shown; otherwise the types it takes. zod says only "Invalid input".
 */
function unionProblems(issue: Extract<ZodIssue, { code: 'invalid_union' }>): ConfigProblem[] {
  const near = issue.errors.filter((branch) => !branch.every(isRootTypeMismatch));
  if (near.length === 1) {
    return (near[0] ?? []).flatMap((inner) => issueProblems({ ...inner, path: [...issue.path, ...inner.path] }));
  }
  if (issue.message !== 'Invalid input') return [{ path: formatKeyPath(issue.path), message: issue.message }];
  const expected = [
    ...new Set(issue.errors.flat().flatMap((i) => (isRootTypeMismatch(i) && 'expected' in i ? [i.expected] : []))),
  ];
  const received = /received (\w+)/.exec(issue.errors[0]?.[0]?.message ?? '')?.[1];
  const list = expected.map((type) => ARTICLE[type] ?? `a ${type}`).join(' or ');
  return [
    {
      path: formatKeyPath(issue.path),
      message: `expected ${list || 'another value'}${received ? `, got ${received === 'undefined' ? 'nothing' : received}` : ''}`,
    },
  ];
}

/** One zod issue as the problems a user reads: the key path, and what the key takes. */
function issueProblems(issue: ZodIssue): ConfigProblem[] {
  const at = formatKeyPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(issue.path);
    return issue.keys.map((key) => {
      const suggestion = closest(key, known);
      return {
        path: formatKeyPath([...issue.path, key]),
        message: `unknown key${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; known keys: ${known.join(', ')}`,
      };
    });
  }
  if (issue.code === 'invalid_union') return unionProblems(issue);
  if (issue.code === 'too_small' && issue.origin === 'string' && Number(issue.minimum) === 1) {
    return [{ path: at, message: 'must not be empty' }];
  }
  if (issue.code === 'invalid_type' && / received undefined$/.test(issue.message)) {
    return [{ path: at, message: `is required (${ARTICLE[issue.expected] ?? `a ${issue.expected}`})` }];
  }
  return [{ path: at, message: issue.message.replace(/^Invalid input: /, '') }];
}

function problemsFromZod(error: z.ZodError): ConfigProblem[] {
  return error.issues.flatMap(issueProblems);
}

/**
 * Validates a config object in three steps (schema, normalise, rules) and returns every
 * problem found, each with its key path, instead of stopping at the first one.
 */
export function resolveConfig(
  raw: unknown,
  options: { configPath: string; env: NodeJS.ProcessEnv },
): { config: ResolvedConfig | undefined; problems: ConfigProblem[] } {
  const reserved = reservedNames(raw);
  if (reserved.length > 0) return { config: undefined, problems: reserved };
  const parsed = configSchema.safeParse(raw);
  if (parsed.success) return normaliseConfig(parsed.data, options);
  const problems = problemsFromZod(parsed.error);
  // Unknown keys alone leave the shape intact: check the rules too, so every problem shows at once.
  if (parsed.error.issues.every((issue) => issue.code === 'unrecognized_keys')) {
    problems.push(...normaliseConfig(raw as DevupConfigInput, options).problems);
  }
  return { config: undefined, problems };
}

/**
 * A JSON config can name a service or infra entry `__proto__`; every object copy (zod's first)
 * drops that key silently, so it is refused by name before anything reads the config.
 */
function reservedNames(raw: unknown): ConfigProblem[] {
  if (typeof raw !== 'object' || raw === null) return [];
  return (['services', 'infra'] as const).flatMap((section) => {
    const entries = (raw as Record<string, unknown>)[section];
    if (typeof entries !== 'object' || entries === null || !Object.hasOwn(entries, '__proto__')) return [];
    return [{ path: `${section}.__proto__`, message: 'is a reserved name in JavaScript: choose another name' }];
  });
}
