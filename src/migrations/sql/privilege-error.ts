import type { ConnectionInfo, PgError } from '../../database/connection/connection.js';
import { UserError } from '../../errors.js';
import { quoteIdent } from '../../lib/sql-quote.js';
import type { TargetBase } from '../targets.js';

/**
 * A privilege the migration role lacks (42501), named with the statement that grants it. A
 * deploy's role is usually neither superuser nor CREATEDB: it owns its schemas and no more.
 */
export function privilegeError(error: PgError, target: TargetBase, admin: ConnectionInfo): UserError | undefined {
  if (error.code !== '42501') return undefined;
  const role = admin.user;
  const database = target.database ?? admin.database;
  const schema = target.schema;
  if (/permission denied for database/.test(error.message)) {
    return new UserError(
      `${schema}: role "${role}" may not create schema "${schema}" in database "${database}" (it needs CREATE on the database)`,
      {
        hint: `Create the schema for it once, as an administrator: create schema ${quoteIdent(schema)} authorization ${quoteIdent(role)}; (or: grant create on database ${quoteIdent(database)} to ${quoteIdent(role)}).`,
        cause: error,
      },
    );
  }
  if (/permission denied for schema/.test(error.message)) {
    return new UserError(`${schema}: role "${role}" may not create objects in schema "${schema}": ${error.message}`, {
      hint: `Make the role the schema's owner (alter schema ${quoteIdent(schema)} owner to ${quoteIdent(role)}) or grant it: grant usage, create on schema ${quoteIdent(schema)} to ${quoteIdent(role)}.`,
      cause: error,
    });
  }
  const owner = /must be owner of (\w+) (\S+)/.exec(error.message);
  if (owner) {
    return new UserError(`${schema}: role "${role}" must own ${owner[1]} ${owner[2]} to change it`, {
      hint: `Run migrations as the owner of the schema's objects, or transfer them: alter ${owner[1]} ${owner[2]} owner to ${quoteIdent(role)}.`,
      cause: error,
    });
  }
  return new UserError(`${schema}: role "${role}" lacks a privilege: ${error.message}`, {
    hint: 'Grant it to the migration role, or run as the owner of the schema.',
    cause: error,
  });
}
