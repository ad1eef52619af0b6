import { Job } from 'kubernetes-models/batch/v1';
import { afterAll, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { migrationJob } from '../../../src/deploy/k8s-job.js';
import { createWorkspace } from '../../helpers/workspace.js';

const ws = createWorkspace({ 'api/migrations/0001_a.sql': 'select 1;' });
afterAll(() => ws.cleanup());
const config = ws.config({ project: 'shop_app', services: { api: { cwd: 'api', migrations: { dir: 'migrations' } } } });

/** Validated against the official Kubernetes schemas that kubernetes-models ships (offline). */
function validJob(manifest: Record<string, unknown>): Job {
  const job = new Job(parse(stringify(manifest)));
  job.validate();
  return job;
}

it('prints a Job the Kubernetes schema accepts: secret URL, limits, non-root, no restarts', () => {
  const job = validJob(
    migrationJob(config, { image: 'registry.local/shop-migrations:1.2.3', helmHook: false, secret: 'shop-db' }),
  );
  expect(job.metadata?.name).toBe('shop-app-migrate');
  expect(job.metadata?.annotations).toBeUndefined();
  expect(job.spec).toMatchObject({ backoffLimit: 1, activeDeadlineSeconds: 900, ttlSecondsAfterFinished: 86_400 });
  const pod = job.spec?.template.spec;
  expect(pod?.restartPolicy).toBe('Never');
  expect(pod?.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
  const container = pod?.containers[0];
  expect(container?.image).toBe('registry.local/shop-migrations:1.2.3');
  expect(container?.env).toEqual([
    { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'shop-db', key: 'DATABASE_URL' } } },
  ]);
  expect(container?.resources?.requests).toEqual({ cpu: '100m', memory: '128Mi' });
  expect(container?.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
});

it('as a Helm hook: pre-install and pre-upgrade, weighted, deleted before the next and on success', () => {
  const job = validJob(migrationJob(config, { image: 'shop-migrations:latest', helmHook: true, secret: 'shop-db' }));
  expect(job.metadata?.annotations).toEqual({
    'helm.sh/hook': 'pre-install,pre-upgrade',
    'helm.sh/hook-weight': '-5',
    'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded',
  });
  // Helm deletes the hook; a TTL would race it.
  expect(job.spec?.ttlSecondsAfterFinished).toBeUndefined();
});

it('runs the contexts it is given (`--context production`), else the config decides', () => {
  const container = (contexts?: string[]) =>
    validJob(migrationJob(config, { image: 'x', helmHook: false, secret: 's', contexts })).spec?.template.spec
      ?.containers[0];
  expect(container(['production', 'eu'])?.args).toEqual(['--wait', '2m', '--context', 'production,eu']);
  expect(container()?.args).toEqual(['--wait', '2m']);
});

it('the schema check is real: a wrong type is refused', () => {
  const manifest = migrationJob(config, { image: 'x', helmHook: false, secret: 's' });
  (manifest.spec as Record<string, unknown>).backoffLimit = 'once';
  expect(() => validJob(manifest)).toThrow(/backoffLimit must be integer/);
});

it('a long project name still gives a valid Job name and label (63 characters, alphanumeric ends)', () => {
  const long = ws.config({
    project: `a.${'b'.repeat(70)}_`,
    services: { api: { cwd: 'api', migrations: { dir: 'migrations' } } },
  });
  const job = migrationJob(long, { image: 'x', helmHook: false, secret: 's' }) as {
    metadata: { name: string; labels: Record<string, string> };
  };
  expect(job.metadata.name).toMatch(/^a-b+-migrate$/);
  expect(job.metadata.name.length).toBeLessThanOrEqual(63);
  const label = job.metadata.labels['app.kubernetes.io/name'] ?? '';
  expect(label.length).toBeLessThanOrEqual(63);
  expect(label).toMatch(/^[a-z0-9](.*[a-z0-9])?$/);
});
