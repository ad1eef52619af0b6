import { formatMs, log, median } from './util.mjs';

/**
 * Runs every case once as a warm-up, then `runs` measured rounds. Cases are interleaved
 * (round-robin, rotated each round) so that drift on a shared machine hits all of them alike,
 * which keeps the ratios taken in one run honest even when absolute times move.
 *
 * A case: { id, group, label, kind, note?, runtime? ('node24' for the Node 24 rows),
 * prepare?(): void|Promise (untimed), run(): Promise<ms> }.
 * A failing case is recorded with its error and left out of the later rounds.
 */
export async function runCases(cases, runs, { title } = {}) {
  const results = new Map(
    cases.map((c) => [
      c.id,
      {
        id: c.id,
        group: c.group,
        label: c.label,
        kind: c.kind,
        note: c.note,
        runtime: c.runtime,
        samples: [],
        rounds: {},
        warmup: undefined,
      },
    ]),
  );
  for (let round = 0; round <= runs; round++) {
    const shift = round % Math.max(cases.length, 1);
    const order = [...cases.slice(shift), ...cases.slice(0, shift)];
    for (const c of order) {
      const result = results.get(c.id);
      if (result.error || result.skipped) continue;
      try {
        if (c.prepare) await c.prepare();
        const ms = await c.run();
        if (round === 0) result.warmup = ms;
        else {
          result.samples.push(ms);
          result.rounds[round] = ms;
        }
      } catch (error) {
        const message = String(error?.message ?? error).slice(0, 2000);
        if (error?.skip) result.skipped = message;
        else result.error = message;
        log(`  ${error?.skip ? 'skipped' : '✗'} ${c.label}: ${message.split('\n').slice(0, 8).join('\n    ')}`);
      }
    }
    const done = [...results.values()].filter((r) => !r.error && !r.skipped);
    log(
      `${title ?? 'bench'}: ${round === 0 ? 'warm-up' : `run ${round}/${runs}`} ` +
        done.map((r) => `${r.label}=${formatMs(round === 0 ? r.warmup : r.samples.at(-1))}`).join(', '),
    );
  }
  for (const result of results.values()) {
    if (result.samples.length === 0) continue;
    result.median = median(result.samples);
    result.min = Math.min(...result.samples);
    result.max = Math.max(...result.samples);
  }
  return [...results.values()];
}

export function skippedCase({ id, group, label, kind, runtime }, reason) {
  return { id, group, label, kind, runtime, samples: [], skipped: reason };
}
