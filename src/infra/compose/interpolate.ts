import { UserError } from '../../errors.js';

/**
 * Compose's variable syntax, applied to every string of the file: `$VAR`, `${VAR}`,
 * `${VAR:-default}` (unset or empty), `${VAR-default}` (unset), `${VAR:?message}` and `${VAR?message}`
 * (required), `${VAR:+alt}` / `${VAR+alt}`, and `$$` for a literal `$`. Written here rather than
 * taken from a library: the npm packages for it are either dotenv-expand (a different grammar) or
 * whole compose implementations.
 */
export function interpolate(text: string, vars: Readonly<Record<string, string | undefined>>, where: string): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])((?:[^{}]|\{[^{}]*\})*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (token, braced: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined) => {
      if (token === '$$') return '$';
      const name = (braced ?? bare) as string;
      const value = vars[name];
      const unsetOrEmpty = value === undefined || value === '';
      const missing = op?.startsWith(':') ? unsetOrEmpty : value === undefined;
      const nested = () => interpolate(arg ?? '', vars, where);
      switch (op) {
        case ':-':
        case '-':
          return missing ? nested() : (value as string);
        case ':?':
        case '?':
          if (missing) {
            throw new UserError(`${where}: \${${name}} is required${arg ? `: ${arg}` : ''}`, {
              hint: `Set ${name} in the environment or in .env next to the compose file.`,
            });
          }
          return value as string;
        case ':+':
        case '+':
          return missing ? '' : nested();
        default:
          return value ?? '';
      }
    },
  );
}

/** Every string in a parsed YAML value, interpolated; `where` names the key for errors. */
export function interpolateAll(
  value: unknown,
  vars: Readonly<Record<string, string | undefined>>,
  where = '',
): unknown {
  if (typeof value === 'string') return interpolate(value, vars, where || '(root)');
  if (Array.isArray(value)) return value.map((item, i) => interpolateAll(item, vars, `${where}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolateAll(item, vars, where ? `${where}.${key}` : key)]),
    );
  }
  return value;
}
