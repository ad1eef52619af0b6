import type Docker from 'dockerode';
import { UserError } from '../../errors.js';
import { formatBytes } from '../../lib/format.js';
import type { ProgressSink } from '../engine.js';
import { type DockerError, dockerMessage } from './diagnostics.js';

/** The image, pulled first when it is not there, with per-layer progress for the sink. */
export async function ensureImage(
  docker: Docker,
  image: string,
  sink: ProgressSink,
  /** The config key that names the image, for the hint. */
  key = 'database.image',
): Promise<Docker.ImageInspectInfo> {
  try {
    return await docker.getImage(image).inspect();
  } catch (error) {
    if ((error as DockerError).statusCode !== 404) throw error;
  }
  sink.notice(`Pulling ${image} (first run only)...`);
  try {
    const stream = await docker.pull(image);
    const layers = new Map<string, string>();
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(
        stream,
        (error: Error | null) => (error ? reject(error) : resolve()),
        (event: { id?: string; status?: string; progressDetail?: { current?: number; total?: number } }) => {
          if (!event.id || !event.status) return;
          const detail = event.progressDetail;
          const bytes =
            detail?.total && detail.current !== undefined
              ? ` ${formatBytes(detail.current)}/${formatBytes(detail.total)}`
              : '';
          layers.set(event.id, `${event.status}${bytes}`);
          sink.progress?.([...layers].map(([id, status]) => `${id}: ${status}`).join('\n'));
        },
      );
    });
  } catch (error) {
    throw new UserError(`could not pull the image ${image}: ${dockerMessage(error)}`, {
      hint: `Check the image name (${key}) and your network or registry login${key === 'database.image' ? '; or use --engine embedded' : ''}.`,
      cause: error,
    });
  }
  return docker.getImage(image).inspect();
}

/** Where the image wants its data: the declared VOLUME under /var/lib/postgresql (18+ moved it). */
export function dataVolumePath(image: Docker.ImageInspectInfo): { mount: string; pgdata: string } {
  const volumes = Object.keys(image.Config?.Volumes ?? {});
  const env = image.Config?.Env ?? [];
  const pgdataEnv = env.find((e) => e.startsWith('PGDATA='))?.slice('PGDATA='.length);
  const mount = volumes.find((v) => v.startsWith('/var/lib/postgresql')) ?? volumes[0] ?? '/var/lib/postgresql/data';
  const pgdata = pgdataEnv?.startsWith(mount) ? pgdataEnv : mount === '/var/lib/postgresql' ? `${mount}/data` : mount;
  return { mount, pgdata };
}
