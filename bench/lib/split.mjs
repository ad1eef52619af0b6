// split: cutting a no-transaction migration into statements (what `devup migrate` does before it
// runs the first one), in process, at 10k and 100k statements: the time must grow with the size
// of the file and no faster (issue 26: 16k statements took 21 s, 100k about 10 minutes).
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { runCases } from './measure.mjs';

export const SPLIT_SIZES = [10_000, 100_000];

/** A no-transaction file of `count` statements: inserts, a plpgsql body with `;` inside, comments, non-ASCII text. */
export function noTransactionFile(count) {
  const lines = ['-- devup:no-transaction'];
  for (let i = 0; i < count; i++) {
    if (i % 10 === 0) {
      lines.push(
        `create or replace function bench_f${i}() returns int language plpgsql as $$ begin return ${i}; end $$;`,
      );
    } else if (i % 10 === 5) lines.push(`-- step ${i}\ncomment on table notes is 'Notiz ${i}: grüße';`);
    else lines.push(`insert into notes (id, body) values (${i}, 'note ${i}; still a string');`);
  }
  return `${lines.join('\n')}\n`;
}

export async function splitSuite({ repo, runs }) {
  const { splitStatements } = await import(
    pathToFileURL(path.join(repo, 'dist', 'migrations', 'sql', 'split.js')).href
  );
  const group = 'split';
  const cases = SPLIT_SIZES.map((count) => {
    const sql = noTransactionFile(count);
    return {
      id: `${group}.${count / 1000}k`,
      group,
      kind: 'devup',
      label: `split a no-transaction file of ${count / 1000}k statements (${(sql.length / 1e6).toFixed(1)} MB, in process)`,
      async run() {
        const started = performance.now();
        const statements = await splitStatements(sql, 'bench.sql');
        const ms = performance.now() - started;
        if (statements.length !== count) throw new Error(`split into ${statements.length}, expected ${count}`);
        return ms;
      },
    };
  });
  return runCases(cases, runs, { title: group });
}

/** 100k statements against 10k: 10 when the split is linear in the file's size. */
export function splitGrowth(results) {
  const [small, large] = SPLIT_SIZES.map((count) => results.find((r) => r.id === `split.${count / 1000}k`)?.median);
  return small && large ? large / small : undefined;
}
