import { type CommandContext, withContextFlag } from '../app/context.js';
import { Interrupts } from '../app/interrupts.js';
import { checkReportJson, githubAnnotations, renderCheckReport } from '../check/check-output.js';
import { runCheck } from '../check/run-check.js';
import type { ThrowawayEngine } from '../database/throwaway/throwaway.js';
import { durationFlag } from '../lib/duration.js';
import { formatDuration } from '../lib/format.js';
import type { CheckOptions } from './commands.js';

/** `devup check [--base REF] [--all] [--context C] [--statement-timeout D] [--engine embedded|docker|external] [--json]`: the CI gate. */
export default async function check(ctx: CommandContext, options: CheckOptions): Promise<number> {
  // The contexts the throwaway migrates: migrations.context (dev) unless --context says otherwise.
  const config = withContextFlag(await ctx.loadConfig(), options);
  const { output } = ctx;
  // Never the dev database: `auto` (and no flag) means a throwaway embedded cluster.
  const engine: ThrowawayEngine = ctx.engine === undefined || ctx.engine === 'auto' ? 'embedded' : ctx.engine;
  // Ctrl-C: the throwaway is removed before the command leaves.
  const interrupts = new Interrupts();
  const report = await runCheck(config, {
    engine,
    base: options.base,
    all: options.all === true,
    schemaDocs: true,
    signal: interrupts.signal,
    sink: { notice: (m) => output.notice(m), progress: (m) => output.debug(m) },
    statementTimeoutMs: durationFlag(options.statementTimeout, '--statement-timeout'),
    onProgress: (line) => output.line(output.style('cyan', line)),
    onDatabase: (db) =>
      output.line(
        `${output.style('cyan', '›')} Checking on a throwaway ${db.description}, ready in ${formatDuration(db.readyMs)}`,
      ),
  });
  if (output.mode === 'json') output.write(`${JSON.stringify(checkReportJson(report, config.root))}\n`);
  else renderCheckReport(report, output, config.root);
  if (process.env.GITHUB_ACTIONS === 'true') {
    const annotations = githubAnnotations(report, process.env.GITHUB_WORKSPACE ?? process.cwd());
    // The Actions runner reads workflow commands from stderr as well as stdout (its script handler
    // parses both streams), so in JSON mode they go to stderr and stdout stays the one report.
    for (const line of annotations) (output.mode === 'json' ? process.stderr : process.stdout).write(`${line}\n`);
  }
  return report.ok ? 0 : 1;
}
