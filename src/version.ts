import { readFileSync } from 'node:fs';

/** devup's own version, read once from package.json (labels, --version). */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
