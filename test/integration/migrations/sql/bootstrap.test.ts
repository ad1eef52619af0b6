import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionInfo } from '../../../../src/database/connection/connection.js';
import { applyTarget, type SqlTarget } from '../../../../src/migrations/sql/apply.js';
import { readHistory } from '../../../../src/migrations/sql/history.js';
import { readCatalogFingerprint } from '../../../../src/schema/catalog-fingerprint.js';
import { renderSchemaDocs } from '../../../../src/schema/schema-docs.js';
import { createWorkspace, type Workspace } from '../../../helpers/workspace.js';
import { withTestDatabase } from '../../helpers/database.js';
import { corpusStatement } from '../../helpers/large-corpus.js';
import { sqlTarget } from '../../helpers/sql-target.js';

const COUNT = 300;
const BOOKKEEPING = ['devup_migrations'];

/** The catalog with the schema's own name taken out, so that two tenants can be compared. */
async function fingerprint(client: pg.Client, schema: string): Promise<Map<string, string>> {
  const raw = await readCatalogFingerprint(client, schema, BOOKKEEPING);
  return new Map([...raw].map(([key, def]) => [key, def.replaceAll(`${schema}.`, 'SCHEMA.')]));
}

describe(`migrations.bootstrap: 'schema' on ${COUNT} migrations`, () => {
  let db: ConnectionInfo;
  let client: pg.Client;
  withTestDatabase((d, c) => {
    db = d;
    client = c;
  });
  let ws: Workspace;
  let snapshot = '';
  const target = (schema: string, tenant: string): SqlTarget => ({
    ...sqlTarget(path.join(ws.dir, 'migrations'), schema, { service: 'shop', tenant }),
    bootstrap: snapshot,
  });

  beforeAll(async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < COUNT; i++) {
      files[`migrations/${String(i + 1).padStart(4, '0')}_step.sql`] = `${corpusStatement(i).up}\n`;
    }
    ws = createWorkspace(files);
    snapshot = path.join(ws.dir, 'docs/database/shop.sql');
    // The snapshot as `devup schema` writes it, from a replayed tenant.
    await applyTarget(client, { ...target('shop_replay', 'replay'), bootstrap: undefined });
    const docs = await renderSchemaDocs(db, [{ service: 'shop', schema: 'shop_replay', database: undefined }]);
    ws.write('docs/database/shop.sql', docs.get('shop.sql') ?? '');
  });
  afterAll(() => ws?.cleanup());

  it('builds a fresh target from the snapshot with the catalog of a replay, every migration recorded', async () => {
    const result = await applyTarget(client, target('shop_fresh', 'fresh'));
    expect(result.applied).toHaveLength(COUNT);
    expect(await fingerprint(client, 'shop_fresh')).toEqual(await fingerprint(client, 'shop_replay'));
    const history = await readHistory(client, 'shop_fresh');
    expect(history).toHaveLength(COUNT);
    expect(history[0]?.appliedBy).toMatch(/ \(schema snapshot\)$/);
  });

  it('a migration added after the snapshot still applies on top, the usual way', async () => {
    ws.write('migrations/0301_late.sql', 'alter table t0 add column late text;\n');
    const result = await applyTarget(client, target('shop_late', 'late'));
    expect(result.applied.map((a) => a.migration.id).slice(-2)).toEqual(['0300_step', '0301_late']);
    const history = await readHistory(client, 'shop_late');
    expect(history.at(-1)).toMatchObject({ name: '0301_late', appliedBy: expect.not.stringContaining('snapshot') });
    const { rows } = await client.query(
      "select 1 from information_schema.columns where table_schema = 'shop_late' and table_name = 't0' and column_name = 'late'",
    );
    expect(rows).toHaveLength(1);
  });

  it('a target that has history is migrated as before: the snapshot is not read', async () => {
    writeFileSync(snapshot, 'not a snapshot');
    try {
      const result = await applyTarget(client, target('shop_fresh', 'fresh'));
      expect(result.applied.map((a) => a.migration.id)).toEqual(['0301_late']);
    } finally {
      ws.remove('migrations/0301_late.sql');
    }
  });

  it('refuses, applying nothing, a snapshot edited by hand or older than a migration it covers', async () => {
    const docs = await renderSchemaDocs(db, [{ service: 'shop', schema: 'shop_replay', database: undefined }]);
    const sealed = docs.get('shop.sql') ?? '';
    writeFileSync(snapshot, sealed.replace('CREATE TABLE', 'CREATE UNLOGGED TABLE'));
    await expect(applyTarget(client, target('shop_edited', 'edited'))).rejects.toThrow(
      /shop_edited: cannot build it from .*shop\.sql: it was changed after `devup schema` wrote it/,
    );
    writeFileSync(snapshot, sealed);
    ws.write('migrations/0002_step.sql', `${corpusStatement(1).up}\n-- edited\n`);
    await expect(applyTarget(client, target('shop_older', 'older'))).rejects.toMatchObject({
      message: expect.stringMatching(
        /the schema snapshot .*shop\.sql is older than migrations it covers; nothing was applied/,
      ),
      details: ['  0002_step: changed since the snapshot was written'],
    });
    expect(await readHistory(client, 'shop_older')).toEqual([]);
    expect(await fingerprint(client, 'shop_older')).toEqual(new Map());
  });
});
