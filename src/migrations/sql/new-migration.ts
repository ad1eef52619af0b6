import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../errors.js';
import { discoverMigrations } from './discover.js';

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
      mkdirSync(path.join(dir, id), { recursive: true });
      files.push([path.join(dir, id, 'up.sql'), `-- ${name}\n`], [path.join(dir, id, 'down.sql'), `-- undo ${name}\n`]);
      break;
  }
  for (const [file] of files) if (existsSync(file)) throw new UsageError(`${file} already exists`);
  for (const [file, content] of files) writeFileSync(file, content);
  return files.map(([file]) => file);
}
