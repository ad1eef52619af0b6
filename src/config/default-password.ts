import { randomInt } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** What devup used for every project before it generated passwords. */
export const LEGACY_DEFAULT_PASSWORD = 'devup';

const ALPHABET = 'abcdefghijkmnopqrstuvwxyz23456789';

function generate(): string {
  // Letters and digits only: nothing a URL, a shell or ConfigParser (Alembic) would need escaped.
  let password = '';
  for (let i = 0; i < 24; i++) password += ALPHABET[randomInt(ALPHABET.length)];
  return password;
}

function readPassword(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The password of the server devup creates when the config sets none: random per checkout, kept
 * in `.devup/password` (0600), so it is not a word anyone can guess or that shows up in logs. A
 * checkout whose server an earlier devup created with the old default keeps that one. A new
 * password is only proposed here (`unsavedIn`): reading the config writes nothing, and the file is
 * written when a server is about to be created with it (savePassword).
 */
export function defaultPassword(stateDir: string): { password: string; unsavedIn?: string } {
  const file = path.join(stateDir, 'password');
  const stored = readPassword(file);
  if (stored) return { password: stored };
  if (existsSync(path.join(stateDir, 'engine.json'))) return { password: LEGACY_DEFAULT_PASSWORD };
  return { password: generate(), unsavedIn: file };
}

/** Saves a proposed password; when another devup saved one first, that one wins and is returned. */
export function savePassword(file: string, password: string): string {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${password}\n`, { mode: 0o600, flag: 'wx' });
    return password;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readPassword(file) ?? password;
  }
}
