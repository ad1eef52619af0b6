import { randomInt } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** What devup used for every project before it generated passwords. */
export const LEGACY_DEFAULT_PASSWORD = 'devup';

const ALPHABET = 'abcdefghijkmnopqrstuvwxyz23456789';
const FILE = 'password';

function generate(): string {
  // Letters and digits only: nothing a URL, a shell or ConfigParser (Alembic) would need escaped.
  let password = '';
  for (let i = 0; i < 24; i++) password += ALPHABET[randomInt(ALPHABET.length)];
  return password;
}

/**
 * The password of the server devup creates when the config sets none: random per checkout, kept
 * in `.devup/password` (0600), so it is not a word that anyone can guess or that shows up in logs.
 * A checkout whose server an earlier devup created with the old default keeps that one.
 */
export function defaultPassword(stateDir: string): string {
  const file = path.join(stateDir, FILE);
  const stored = readPassword(file);
  if (stored) return stored;
  if (existsSync(path.join(stateDir, 'engine.json'))) return LEGACY_DEFAULT_PASSWORD;
  try {
    // Not recursive: the checkout itself must exist.
    if (!existsSync(stateDir)) mkdirSync(stateDir);
    writeFileSync(file, `${generate()}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another devup wrote it first: use that one. A read-only checkout gets the old default.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return LEGACY_DEFAULT_PASSWORD;
  }
  return readPassword(file) ?? LEGACY_DEFAULT_PASSWORD;
}

function readPassword(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
