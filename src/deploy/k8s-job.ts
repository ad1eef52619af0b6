// Types only (erased at build): kubernetes-models' Job type is generated from the official
// OpenAPI schema, so a misspelt field fails the typecheck, not a deploy.
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { ResolvedConfig } from '../config/types.js';
import { deployNames } from './k8s-names.js';

export interface JobManifestOptions {
  /** The migration image (docker/Dockerfile). */
  image: string;
  /** Run as a Helm pre-install/pre-upgrade hook: a failed migration stops the release. */
  helmHook: boolean;
  /** The Secret holding DATABASE_URL (key DATABASE_URL). */
  secret: string;
  /** The migration contexts the Job runs (`--context`); undefined: the config's (`migrations.context`). */
  contexts?: readonly string[] | undefined;
}

/** A manifest as plain data, ready to print as YAML or JSON. */
export type Manifest = Record<string, unknown>;

/** Where docker/Dockerfile puts the project, and the unprivileged user it runs as. */
export const IMAGE_WORKDIR = '/app';
export const IMAGE_UID = 10001;

/**
 * The Kubernetes Job that runs the project's migrations once per release: the image's
 * entrypoint is `devup migrate --engine external --strict --json`; a failure fails the Job.
 */
export function migrationJob(config: Pick<ResolvedConfig, 'project'>, options: JobManifestOptions): Manifest {
  const names = deployNames(config.project);
  const labels = {
    'app.kubernetes.io/name': names.app,
    'app.kubernetes.io/component': 'migrations',
    'app.kubernetes.io/managed-by': 'devup',
  };
  const job: IJob = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: names.job,
      labels,
      ...(options.helmHook
        ? {
            annotations: {
              'helm.sh/hook': 'pre-install,pre-upgrade',
              // Before the chart's other hooks: the schema must be there when they run.
              'helm.sh/hook-weight': '-5',
              'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded',
            },
          }
        : {}),
    },
    spec: {
      // One retry for a node that went away; the advisory locks make a second run safe.
      backoffLimit: 1,
      activeDeadlineSeconds: 900,
      // A plain Job is kept a day for its logs; a hook is deleted by Helm.
      ...(options.helmHook ? {} : { ttlSecondsAfterFinished: 86_400 }),
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          securityContext: {
            runAsNonRoot: true,
            runAsUser: IMAGE_UID,
            runAsGroup: IMAGE_UID,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'migrate',
              image: options.image,
              // Appended to the image's entrypoint: wait for a database created by the same release.
              args: ['--wait', '2m', ...(options.contexts ? ['--context', options.contexts.join(',')] : [])],
              env: [
                { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: options.secret, key: 'DATABASE_URL' } } },
              ],
              resources: {
                requests: { cpu: '100m', memory: '128Mi' },
                limits: { memory: '512Mi' },
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
              // devup's state (external tools' fingerprints) and temporary files.
              volumeMounts: [
                { name: 'devup-state', mountPath: `${IMAGE_WORKDIR}/.devup` },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [
            { name: 'devup-state', emptyDir: {} },
            { name: 'tmp', emptyDir: {} },
          ],
        },
      },
    },
  };
  return job as unknown as Manifest;
}
