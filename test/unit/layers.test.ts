import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../../src');

/**
 * cli → app, dashboard → check → schema, copies, services, ui, deploy, infra → migrations → database → checkouts → config → lib and the
 * files directly in src/ (errors, ports, version...), which import none of the folders (docs/architecture.md).
 */
const RANK: Record<string, number> = {
  lib: 0,
  config: 1,
  checkouts: 2,
  database: 3,
  migrations: 4,
  copies: 5,
  services: 5,
  ui: 5,
  deploy: 5,
  schema: 5,
  infra: 5,
  check: 6,
  app: 7,
  init: 7,
  // The local dashboard (devup dev --ui): beside app/, which loads it lazily; cli/ui.ts and status read it.
  dashboard: 7,
  cli: 8,
  'index.ts': 9,
};

function rankOf(file: string): number {
  // Imports name the compiled .js file.
  const top = path.relative(SRC, file).split(path.sep)[0]?.replace(/\.js$/, '.ts') as string;
  const rank = RANK[top] ?? (top.endsWith('.ts') ? 0 : undefined);
  if (rank === undefined) throw new Error(`src/${top} has no layer: add it to RANK`);
  return rank;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

it('no module imports one of a higher layer (type-only and dynamic imports included)', () => {
  const upward: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)) {
      const target = path.resolve(path.dirname(file), match[1] as string);
      if (rankOf(target) > rankOf(file)) upward.push(`${path.relative(SRC, file)} → ${match[1]}`);
    }
  }
  expect(upward).toEqual([]);
});
