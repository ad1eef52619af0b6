import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../errors.js';
import { discoverMigrations } from './discover.js';

/** Linux and macOS allow 255 bytes per path component (NAME_MAX). */
const NAME_MAX = 255;

/** Refuses a name whose files could not be created, before anything is written (ENAMETOOLONG). */
function checkNameLength(name: string, files: string[], dir: string): void {
  const longest = Math.max(
    ...files.map((file) => Buffer.byteLength(path.relative(dir, file).split(path.sep)[0] ?? '')),
  );
  if (longest <= NAME_MAX) return;
  const room = Buffer.byteLength(name) - (longest - NAME_MAX);
  throw new UsageError(
    `migration name is ${name.length} characters: its file name would be ${longest} bytes, more than the ${NAME_MAX} a file system allows`,
    `Use a shorter name (at most ${Math.max(room, 1)} characters here), e.g. add_user_bio.`,
  );
}

function timestamp(now: Date, dashed: boolean): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const date = `${now.getUTCFullYear()}${dashed ? '-' : ''}${p(now.getUTCMonth() + 1)}${dashed ? '-' : ''}${p(now.getUTCDate())}`;
  return `${date}${dashed ? '-' : ''}${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
}

/**
 * Creates the next migration in the directory's own layout and numbering: sequential
 * numbers keep their width, timestamped directories get a UTC timestamp. Returns the files.
 */
export function createMigration(dir: string, name: string, now = new Date()): string[] {
  if (!/^[a-z0-9_]+$/i.test(name)) {
    throw new UsageError(`migration name "${name}": use letters, digits and _ (e.g. add_user_bio)`);
  }
  const existing = discoverMigrations(dir);
  const format = existing[0]?.format ?? 'ordered';
  const last = existing.at(-1);
  const lastDigits = last ? (/^[\d-]+/.exec(last.id)?.[0] ?? '') : '';
  const timestamped =
    lastDigits.replaceAll('-', '').length >= 12 || format === 'dbmate' || (format === 'diesel' && !last);
  const version = timestamped
    ? timestamp(now, format === 'diesel')
    : String((last?.version ?? 0n) + 1n).padStart(Math.max(4, lastDigits.length), '0');
  const id = `${version}_${name}`;
  const files: [string, string][] = [];
  switch (format) {
    case 'ordered':
      files.push([path.join(dir, `${id}.sql`), `-- ${name}\n`]);
      break;
    case 'pairs':
      files.push(
        [path.join(dir, `${id}.up.sql`), `-- ${name}\n`],
        [path.join(dir, `${id}.down.sql`), `-- undo ${name}\n`],
      );
      break;
    case 'dbmate':
      files.push([path.join(dir, `${id}.sql`), `-- migrate:up\n\n\n-- migrate:down\n\n`]);
      break;
    case 'diesel':
      files.push([path.join(dir, id, 'up.sql'), `-- ${name}\n`], [path.join(dir, id, 'down.sql'), `-- undo ${name}\n`]);
      break;
  }
  checkNameLength(
    name,
    files.map(([file]) => file),
    dir,
  );
  for (const [file] of files) if (existsSync(file)) throw new UsageError(`${file} already exists`);
  for (const [file, content] of files) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  return files.map(([file]) => file);
}
