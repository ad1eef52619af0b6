import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { findConfigFile } from '../config/load.js';
import { UserError } from '../errors.js';
import { composeToConfig, type ImportedConfig } from '../infra/compose/compose-to-config.js';
import { composeFiles, readCompose } from '../infra/compose/read-compose.js';
import { mergeIntoJsonConfig, renderConfigModule } from '../infra/compose/render-config.js';
import { secretMasker } from '../lib/secret-mask.js';
import type { Output } from '../ui/output.js';

/** What the import would write where, or (a JS/TS config devup cannot edit safely) what to paste. */
export interface ComposeImportPlan {
  imported: ImportedConfig;
  files: string[];
  via: string;
  /** The file to write, and its whole new text; undefined when the user must paste `snippet` themselves. */
  target: { file: string; text: string; exists: boolean } | undefined;
  snippet: string;
}

/** Reads the compose files and decides what to write: a new devup.config.mjs, a merged JSON config, or nothing. */
export async function planComposeImport(
  cwd: string,
  given: string[],
  env: NodeJS.ProcessEnv,
): Promise<ComposeImportPlan> {
  const files = composeFiles(cwd, given);
  const model = await readCompose(files, env);
  const imported = composeToConfig(model, env);
  const names = files.map((f) => path.relative(cwd, f) || f);
  const snippet = JSON.stringify({ database: imported.database, infra: imported.infra }, null, 2);
  const existing = findConfigFile(cwd);
  let target: ComposeImportPlan['target'];
  if (!existing) {
    target = { file: path.join(cwd, 'devup.config.mjs'), text: renderConfigModule(imported, names), exists: false };
  } else if (existing.endsWith('.json')) {
    const current = JSON.parse(readFileSync(existing, 'utf8')) as Record<string, unknown>;
    target = {
      file: existing,
      text: `${JSON.stringify(mergeIntoJsonConfig(current, imported), null, 2)}\n`,
      exists: true,
    };
  }
  return { imported, files: names, via: model.via, target, snippet };
}

/** Shows the plan: what is carried, what is not (every key), and the file it would write. */
export function showComposeImport(output: Output, plan: ComposeImportPlan, cwd: string): void {
  const { imported } = plan;
  output.line(`Read ${plan.files.join(', ')} (${plan.via}):`);
  if (imported.database) {
    const shown = { ...imported.database, ...(imported.database.password ? { password: '***' } : {}) };
    output.line(`  database: ${JSON.stringify(shown)}`);
  }
  for (const [name, entry] of Object.entries(imported.infra)) {
    output.line(`  infra.${name}: ${entry.kind ? `kind ${entry.kind}, ` : ''}image ${entry.image}`);
  }
  for (const name of Object.keys(imported.services)) output.line(`  services.${name}: a stub (give it its command)`);
  if (imported.notCarried.length > 0) {
    output.line('Not carried:');
    for (const line of imported.notCarried) output.line(`  ${line}`);
  }
  if (plan.target) {
    output.line(`${plan.target.exists ? 'Would rewrite' : 'Would write'} ${path.relative(cwd, plan.target.file)}:`);
    // The file holds the repo's own passwords; the screen (and CI logs) does not.
    const secrets = [
      imported.database?.password,
      ...Object.values(imported.infra).flatMap((i) =>
        Object.entries(i.env ?? {})
          .filter(([k]) => /PASS|SECRET|TOKEN|KEY/i.test(k))
          .map(([, v]) => v),
      ),
    ];
    const masks = secrets.filter((x): x is string => typeof x === 'string' && x.length > 0).map((x) => secretMasker(x));
    for (const line of plan.target.text.trimEnd().split('\n')) output.line(`  ${masks.reduce((t, m) => m(t), line)}`);
  }
}

/** Writes the planned file; a JS/TS config is never edited (its code is the user's): the snippet is shown instead. */
export function writeComposeImport(plan: ComposeImportPlan, configFile: string | undefined): string {
  if (!plan.target) {
    throw new UserError(`${path.basename(configFile ?? 'the config')} is code devup does not edit: nothing written`, {
      details: ['Add these keys to it yourself:', ...plan.snippet.split('\n').map((l) => `  ${l}`)],
      hint: 'Paste `database` and `infra` into the exported object, then run `devup dev`.',
    });
  }
  if (!plan.target.exists && existsSync(plan.target.file)) {
    throw new UserError(`${plan.target.file} appeared meanwhile: nothing written`, { hint: 'Run the import again.' });
  }
  writeFileSync(plan.target.file, plan.target.text);
  return plan.target.file;
}
