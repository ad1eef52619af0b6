import type pg from 'pg';
import { quoteIdent } from '../lib/sql-quote.js';

/**
 * Creates the database `name` on the server `client` is connected to, unless it exists; true
 * when this call created it. Looking first means a role without CREATEDB gets past a database
 * that is already there. Race-tolerant: when another process creates it between the look and
 * the create, that is success too (42P04 duplicate_database, or 23505 unique_violation on
 * pg_database when both were creating it at the same instant).
 */
export async function createDatabaseUnlessExists(client: pg.Client, name: string): Promise<boolean> {
  const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
  if (rowCount) return false;
  try {
    await client.query(`create database ${quoteIdent(name)}`);
    return true;
  } catch (error) {
    if (['42P04', '23505'].includes((error as { code?: string }).code ?? '')) return false;
    throw error;
  }
}
