import { randomInt } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/** A password kept in `file`, or a new one proposed (saved by savePassword when it is first used). */
export function keptOrNewPassword(file: string): { password: string; unsavedIn?: string } {
  const stored = readPassword(file);
  return stored ? { password: stored } : { password: generate(), unsavedIn: file };
}

/**
 * Saves a proposed password; when another devup saved one first, that one wins and is returned.
 * The file is written whole under a temporary name and then hard-linked into place: link() fails
 * when the file exists, and nobody can read it half-written. (With a plain exclusive create, a
 * second first run could read the file between its creation and its write, find it empty, keep
 * its own password and then be refused by the server the first run created.)
 */
export function savePassword(file: string, password: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${password}\n`, { mode: 0o600 });
  try {
    linkSync(temp, file);
    return password;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return readPassword(file) ?? password;
    // A file system without hard links: an exclusive create, as close as it allows.
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw error;
    try {
      writeFileSync(file, `${password}\n`, { mode: 0o600, flag: 'wx' });
      return password;
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code !== 'EEXIST') throw again;
      return readPassword(file) ?? password;
    }
  } finally {
    rmSync(temp, { force: true });
  }
}
