// warm `devup migrate` over TLS (verify-full) against the same over plaintext, side by side on
// one scratch cluster with ssl on: what a deploy against managed Postgres pays for encryption.
import { readFileSync, writeFileSync } from 'node:fs';
import { runCases } from './measure.mjs';
import { devupRunner } from './migrations.mjs';
import { startBenchServer } from './postgres.mjs';
import { log } from './util.mjs';

export async function tlsSuite({ repo, tempRoot, variant, runs }) {
  const group = 'tls';
  const server = await startBenchServer(tempRoot, { name: 'pg-tls', tls: true });
  const database = server.freshDatabase('tls');
  // The workspace's own config, pointed at this server twice: verify-full and sslmode=disable.
  const base = JSON.parse(readFileSync(variant.config(database, 'devup.tls-base.json'), 'utf8'));
  const configFor = (name, params) => {
    const file = `${tempRoot}/devup.${name}.json`;
    writeFileSync(file, JSON.stringify({ ...base, database: { ...base.database, url: server.url(database, params) } }));
    return file;
  };
  const tls = configFor('tls', { sslmode: 'verify-full', sslrootcert: server.caFile });
  const plain = configFor('plain', { sslmode: 'disable' });
  log(`\n== ${group}: warm devup migrate, TLS (verify-full) vs plaintext, ${variant.targets} targets`);
  const devup = devupRunner(repo);
  await devup(['migrate', '--config', tls]);
  const results = await runCases(
    [
      {
        id: `${group}.devup`,
        group,
        kind: 'devup',
        label: 'devup migrate, TLS verify-full',
        note: 'sslmode=verify-full&sslrootcert=<CA>',
        run: async () => (await devup(['migrate', '--config', tls])).ms,
      },
      {
        id: `${group}.plain`,
        group,
        kind: 'baseline',
        label: 'devup migrate, plaintext',
        note: 'sslmode=disable, same server',
        run: async () => (await devup(['migrate', '--config', plain])).ms,
      },
    ],
    runs,
    { title: group },
  );
  server.dropDatabase(database);
  return results;
}
