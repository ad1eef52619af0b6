import type { CommandContext } from '../app/context.js';
import { describeEnvironment, type Environment, registeredCheckouts } from '../app/environments.js';

/** `devup ls [--json]`: every devup environment on this machine, from the checkout registry. */
export default async function ls(ctx: CommandContext): Promise<number> {
  const { output } = ctx;
  const environments = await Promise.all(
    registeredCheckouts().map(([root, entry]) => describeEnvironment(root, entry)),
  );
  if (output.mode === 'json') {
    process.stdout.write(`${JSON.stringify({ environments })}\n`);
    return 0;
  }
  if (environments.length === 0) {
    output.line('No devup environment on this machine yet (a checkout is listed once devup has run in it).');
    return 0;
  }
  for (const environment of environments) printEnvironment(ctx, environment);
  if (environments.some((e) => !e.exists && !e.movedTo)) {
    output.line(`Some checkouts no longer exist: \`devup prune\` removes what they left behind.`);
  }
  return 0;
}

function printEnvironment({ output }: CommandContext, e: Environment): void {
  const gone = e.movedTo ? `(moved to ${e.movedTo}, where its devup dev runs)` : '(deleted)';
  const where = e.exists ? e.checkout : `${e.checkout} ${output.style('yellow', gone)}`;
  output.line(
    `${output.style('bold', e.project)}  ${where}${e.moved ? output.style('gray', '  (ports of its own)') : ''}`,
  );
  const mark = e.database.state === 'running' ? output.style('green', '●') : output.style('gray', '○');
  const engine = e.engine ?? 'not started yet';
  output.line(
    `  ${mark} Postgres (${engine}) on port ${e.database.port}: ${e.database.state}${e.disk ? `, ${e.disk}` : ''}`,
  );
  if (e.infra && e.infra.length > 0) {
    const running = e.infra.every((i) => i.state === 'running');
    const mark = running ? output.style('green', '●') : output.style('gray', '○');
    output.line(`  ${mark} infra: ${e.infra.map((i) => `${i.name} ${i.state}`).join(', ')}`);
  }
  if (!e.dev) {
    output.line('  devup dev is not running');
    return;
  }
  output.line(`  devup dev running (pid ${e.dev.pid}, since ${e.dev.startedAt})`);
  for (const s of e.dev.services) {
    output.line(
      `    ${s.name.padEnd(12)} ${s.status.padEnd(10)} ${s.url ?? (s.port ? `port ${s.port}` : '')}`.trimEnd(),
    );
  }
}
