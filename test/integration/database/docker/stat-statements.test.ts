import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { DatabaseSettings } from '../../../../src/config/types.js';
import { StatementStats } from '../../../../src/dashboard/statement-stats.js';
import { withClient } from '../../../../src/database/connection/connection.js';
import { waitForPostgres } from '../../../../src/database/connection/readiness.js';
import { DockerEngine } from '../../../../src/database/docker/docker-engine.js';
import { containerLabels, LABEL, optionsHash, volumeName } from '../../../../src/database/docker/labels.js';
import { freePort } from '../../../helpers/ports.js';
import { dockerClient, dockerStatus, removeTestResources, TEST_IMAGE } from '../../helpers/docker.js';

const status = await dockerStatus();
const PREFIX = `devupt${randomBytes(3).toString('hex')}`;

/** The labels a devup from before the preload gave its container: no command, and the hash of the six options. */
function labelsBeforeThePreload(project: string, db: DatabaseSettings): Record<string, string> {
  const labels = containerLabels(project, db);
  const keys = [LABEL.image, LABEL.port, LABEL.bind, LABEL.user, LABEL.database, LABEL.passwordHash];
  delete labels[LABEL.command];
  labels[LABEL.optionsHash] = optionsHash(Object.fromEntries(keys.map((k) => [k, labels[k]])));
  return labels;
}

describe.skipIf(!status.available)(
  `pg_stat_statements in the Docker engine${status.available ? '' : ` (skipped: ${status.reason})`}`,
  () => {
    afterAll(() => removeTestResources(PREFIX));

    it('recreates a container made without the preload once, on its volume: the data is kept and the slowest statements show', async () => {
      const project = `${PREFIX}-stats`;
      const db: DatabaseSettings = {
        engine: 'docker',
        image: TEST_IMAGE,
        statStatements: true,
        port: await freePort(57000, 2000),
        user: 'app',
        password: 'stats-password',
        database: 'app',
        bind: '127.0.0.1',
        url: undefined,
        dataDir: '',
        readyTimeoutMs: 30_000,
      };
      const docker = dockerClient();
      await docker.createVolume({ Name: volumeName(project), Labels: { [LABEL.project]: project } });
      const old = await docker.createContainer({
        name: `${project}-postgres`,
        Image: TEST_IMAGE,
        Labels: labelsBeforeThePreload(project, db),
        Env: [`POSTGRES_USER=${db.user}`, `POSTGRES_PASSWORD=${db.password}`, `POSTGRES_DB=${db.database}`],
        ExposedPorts: { '5432/tcp': {} },
        HostConfig: {
          PortBindings: { '5432/tcp': [{ HostIp: '127.0.0.1', HostPort: String(db.port) }] },
          Mounts: [{ Type: 'volume', Source: volumeName(project), Target: '/var/lib/postgresql/data' }],
        },
      });
      await old.start();
      const connection = {
        host: '127.0.0.1',
        port: db.port,
        user: db.user,
        password: db.password,
        database: db.database,
      };
      expect((await waitForPostgres(connection, { timeoutMs: 30_000 })).ready).toBe(true);
      await withClient(connection, (c) => c.query('create table kept (id int); insert into kept values (7)'));
      const before = await withClient(connection, (c) => c.query('show shared_preload_libraries'));
      expect(before.rows[0].shared_preload_libraries).toBe('');

      const notices: string[] = [];
      const running = await new DockerEngine(project, db).start({ notice: (m) => notices.push(m) });
      expect(notices.join('\n')).toContain(
        `Recreating ${project}-postgres on the same volume (the server's command: (the image's own) → postgres -c shared_preload_libraries=pg_stat_statements).`,
      );
      expect(running.action).toBe('started');
      const { rows } = await withClient(running.connection, (c) => c.query('select id from kept'));
      expect(rows).toEqual([{ id: 7 }]);
      const after = await withClient(running.connection, (c) => c.query('show shared_preload_libraries'));
      expect(after.rows[0].shared_preload_libraries).toBe('pg_stat_statements');

      const stats = new StatementStats('docker', running.connection);
      await stats.read([db.database]); // installs the extension in the maintenance database
      await withClient(running.connection, (c) => c.query('select count(*) from kept where id > 0'));
      const view = await stats.read([db.database]);
      expect(view.shown).toBe(true);
      const queries = view.shown ? view.rows.map((r) => r.query) : [];
      expect(queries).toContain('select count(*) from kept where id > $1');
      // Nothing of devup's in the project's database: the extension is in `postgres`.
      const installed = await withClient(running.connection, (c) =>
        c.query("select 1 from pg_extension where extname = 'pg_stat_statements'"),
      );
      expect(installed.rowCount).toBe(0);
      // The next run reuses the recreated container as it is.
      expect((await new DockerEngine(project, db).start({ notice: () => {} })).action).toBe('reused');
    });
  },
);
