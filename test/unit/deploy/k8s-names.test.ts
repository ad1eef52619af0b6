import { Job } from 'kubernetes-models/batch/v1';
import { afterAll, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { migrationJob } from '../../../src/deploy/k8s-job.js';
import { checkDeployFlags, deployNames, isImageReference } from '../../../src/deploy/k8s-names.js';
import { UsageError } from '../../../src/errors.js';
import { createWorkspace } from '../../helpers/workspace.js';

const ws = createWorkspace({ 'api/migrations/0001_a.sql': 'select 1;' });
afterAll(() => ws.cleanup());

// Kubernetes' rules as its documentation states them (the OpenAPI schema checks types only).
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const isLabel = (name: string) => name.length <= 63 && LABEL.test(name);
const isSubdomain = (name: string) => name.length <= 253 && name.split('.').every((part) => LABEL.test(part));

/** The Job for this project with the default names, validated against the official schema. */
function defaultJob(project: string): Job {
  const config = ws.config({ project, services: { api: { cwd: 'api', migrations: { dir: 'migrations' } } } });
  const names = deployNames(config.project);
  const job = new Job(
    parse(stringify(migrationJob(config, { image: names.image, secret: names.secret, helmHook: false }))),
  );
  job.validate();
  return job;
}

it.each([
  ['my_proj', 'my-proj'],
  ['x.', 'x'],
  ['a..b__c', 'a-b-c'],
  [`z${'_'.repeat(80)}9`, 'z-9'],
  [`q${'w'.repeat(80)}.`, `q${'w'.repeat(54)}`],
])('project %s gives names Kubernetes accepts, all from the stem %s', (project, stem) => {
  const job = defaultJob(project);
  const name = job.metadata?.name ?? '';
  const secret = job.spec?.template.spec?.containers[0]?.env?.[0]?.valueFrom?.secretKeyRef?.name ?? '';
  const app = job.metadata?.labels?.['app.kubernetes.io/name'] ?? '';
  expect(name.startsWith(stem.slice(0, 50))).toBe(true);
  expect(isLabel(name)).toBe(true);
  expect(isLabel(app)).toBe(true);
  expect(isSubdomain(secret)).toBe(true);
  expect(isImageReference(job.spec?.template.spec?.containers[0]?.image ?? '')).toBe(true);
});

it('my_proj: the Job, its Secret and its image share one stem (the Secret was my_proj-database)', () => {
  expect(deployNames('my_proj')).toEqual({
    job: 'my-proj-migrate',
    app: 'my-proj',
    secret: 'my-proj-database',
    image: 'my-proj-migrations:latest',
  });
  expect(deployNames('x.')).toMatchObject({ job: 'x-migrate', secret: 'x-database', image: 'x-migrations:latest' });
});

it('refuses a --secret Kubernetes would reject, with a name it would take', () => {
  expect(() => checkDeployFlags({ secret: 'Bad_Secret!', image: 'm:1' })).toThrow(UsageError);
  expect(() => checkDeployFlags({ secret: 'Bad_Secret!', image: 'm:1' })).toThrow(
    '--secret "Bad_Secret!": not a Kubernetes Secret name',
  );
  expect(() => checkDeployFlags({ secret: 'Bad_Secret!', image: 'm:1' })).toThrow(
    expect.objectContaining({ hint: expect.stringContaining('e.g. bad-secret.') }),
  );
  for (const bad of ['', '-db', 'db-', 'a..b', 'x'.repeat(254)]) {
    expect(() => checkDeployFlags({ secret: bad, image: 'm:1' })).toThrow(UsageError);
  }
  expect(() => checkDeployFlags({ secret: 'shop.db-1', image: 'm:1' })).not.toThrow();
});

it('refuses an --image that is no image reference, and takes registries, ports, tags and digests', () => {
  expect(() => checkDeployFlags({ secret: 's', image: '' })).toThrow(UsageError);
  expect(() => checkDeployFlags({ secret: 's', image: '' })).toThrow('--image "": not an image reference');
  for (const bad of ['', ' ', 'Shop/M', 'x.-migrations', 'm:', 'm:-1', 'a b', 'm@sha256:12']) {
    expect(isImageReference(bad), bad).toBe(false);
  }
  for (const good of [
    'm',
    'shop-migrations:latest',
    'registry.example.com/m:1.4.0',
    'localhost:5000/team/shop_app__x:v1',
    `ghcr.io/o/m@sha256:${'a'.repeat(64)}`,
    `m:1@sha256:${'b'.repeat(64)}`,
  ]) {
    expect(isImageReference(good), good).toBe(true);
  }
});
