import type { DockerApi } from './api.js';
import { demuxDockerLogs } from './diagnostics.js';

/** What a command run inside a container said, and how it ended. */
export interface ExecResult {
  exitCode: number | null;
  output: string;
}

/**
 * Runs `argv` inside the running container and waits for it (a readiness command such as
 * `redis-cli ping`). Docker's exec API streams the output and reports the exit code after.
 */
export async function execInContainer(api: DockerApi, container: string, argv: string[]): Promise<ExecResult> {
  const docker = await api.client();
  const exec = await docker.getContainer(container).exec({ Cmd: argv, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', reject);
  });
  const info = await exec.inspect();
  return { exitCode: info.ExitCode, output: demuxDockerLogs(Buffer.concat(chunks)) };
}
