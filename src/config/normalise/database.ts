import { existsSync } from 'node:fs';
import path from 'node:path';
import { defaultPassword } from '../default-password.js';
import { DATABASE_DEFAULTS } from '../defaults.js';
import type { DevupConfigInput } from '../schema.js';
import type { DatabaseSettings, DatabaseSetup } from '../types.js';
import { isDirectory, type NormaliseContext, relative } from './context.js';

type DatabaseInput = NonNullable<DevupConfigInput['database']>;

/** The `database` key: the server devup boots or connects to, and what runs once per database. */
export function normaliseDatabase(
  ctx: NormaliseContext,
  input: DatabaseInput | undefined,
  project: string,
): { database: DatabaseSettings; databaseSetup: DatabaseSetup } {
  const db = input ?? {};
  const url = db.url ?? ctx.env.DATABASE_URL;
  const engine = db.engine ?? DATABASE_DEFAULTS.engine;
  if (engine === 'external' && url === undefined) {
    ctx.problems.push({ path: 'database.url', message: 'engine "external" needs database.url or DATABASE_URL' });
  }
  if (url !== undefined) checkDatabaseUrl(ctx, url);
  const password =
    db.password !== undefined ? { password: db.password } : defaultPassword(path.join(ctx.root, '.devup'));
  const database: DatabaseSettings = {
    engine,
    image: db.image ?? DATABASE_DEFAULTS.image,
    port: db.port ?? DATABASE_DEFAULTS.port,
    user: db.user ?? DATABASE_DEFAULTS.user,
    password: password.password,
    ...(password.unsavedIn ? { unsavedPasswordFile: password.unsavedIn } : {}),
    database: db.database ?? project.replace(/[^a-z0-9_]/g, '_'),
    bind: db.bind ?? DATABASE_DEFAULTS.bind,
    url,
    dataDir: path.resolve(ctx.root, db.dataDir ?? DATABASE_DEFAULTS.dataDir),
    readyTimeoutMs: db.readyTimeout ?? DATABASE_DEFAULTS.readyTimeout,
    statStatements: db.statStatements ?? isPlainPostgresImage(db.image ?? DATABASE_DEFAULTS.image),
    createDatabases: db.createDatabases ?? DATABASE_DEFAULTS.createDatabases,
  };
  return { database, databaseSetup: normaliseDatabaseSetup(ctx, db) };
}

/**
 * The official postgres images and postgis's, built on them, ship pg_stat_statements and preload
 * nothing of their own; any other image may do either, so devup leaves its command alone.
 */
const PLAIN_POSTGRES_IMAGE = /^(?:(?:docker\.io\/)?(?:library\/)?postgres|(?:docker\.io\/)?postgis\/postgis)(?:[:@]|$)/;

function isPlainPostgresImage(image: string): boolean {
  return PLAIN_POSTGRES_IMAGE.test(image);
}

function checkDatabaseUrl(ctx: NormaliseContext, url: string): void {
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(url);
  } catch {
    ctx.problems.push({ path: 'database.url', message: 'is not a postgres:// URL' });
    return;
  }
  if (!/^postgres(ql)?:$/.test(parsedUrl.protocol)) {
    ctx.problems.push({ path: 'database.url', message: 'is not a postgres:// URL' });
    return;
  }
  try {
    for (const part of [parsedUrl.username, parsedUrl.password, parsedUrl.pathname]) decodeURIComponent(part);
  } catch {
    ctx.problems.push({
      path: 'database.url',
      message:
        'has a "%" that is not followed by two hex digits in its user, password or database name: write a literal % as %25',
    });
  }
}

/** `database.extensions` and `database.init`: created and run once per database, before any migration. */
function normaliseDatabaseSetup(ctx: NormaliseContext, db: DatabaseInput): DatabaseSetup {
  const extensions = (db.extensions ?? []).map((entry) =>
    typeof entry === 'string' ? { name: entry, schema: 'public' } : entry,
  );
  const init = (typeof db.init === 'string' ? [db.init] : (db.init ?? [])).map((file, index) => {
    const absolute = path.resolve(ctx.root, file);
    if (!existsSync(absolute) || isDirectory(absolute)) {
      const key = typeof db.init === 'string' ? 'database.init' : `database.init[${index}]`;
      ctx.problems.push({ path: key, message: `no such file: ${relative(ctx, absolute)}` });
    }
    return absolute;
  });
  return { extensions, init };
}
