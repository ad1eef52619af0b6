import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
// rolldown's own parser (oxc), already a dev dependency for the bundle: an ESTree of each file.
import { parseSync } from 'rolldown/experimental';
import { expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../../src');
const MAX_FILE_LINES = 300;
const MAX_FUNCTION_LINES = 60;

/** Declarative tables, exempt by STYLE: they read as data, and a split would only cut them in two. */
const TABLES = new Set(['deploy/k8s-job.ts migrationJob']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

interface Node {
  type: string;
  start: number;
  end: number;
  id?: { name?: string } | null;
  key?: { name?: string; value?: string };
}

const FUNCTIONS = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);

/** Every function with its name (or the name of what holds it) and its length in lines. */
function functionsOf(file: string, text: string): { name: string; lines: number }[] {
  const lineOf = (offset: number) => text.slice(0, offset).split('\n').length;
  const found: { name: string; lines: number }[] = [];
  const visit = (value: unknown, holder: string): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item, holder);
      return;
    }
    if (!value || typeof value !== 'object') return;
    const node = value as Node;
    let name = holder;
    if (node.type === 'VariableDeclarator' && node.id?.name) name = node.id.name;
    if (['MethodDefinition', 'PropertyDefinition', 'Property'].includes(node.type) && node.key) {
      name = node.key.name ?? node.key.value ?? holder;
    }
    if (FUNCTIONS.has(node.type)) {
      found.push({ name: node.id?.name ?? name, lines: lineOf(node.end) - lineOf(node.start) + 1 });
    }
    for (const [key, child] of Object.entries(node)) if (key !== 'type') visit(child, name);
  };
  visit(parseSync(file, text).program, '(anonymous)');
  return found;
}

it(`no source file is over ${MAX_FILE_LINES} lines`, () => {
  const long = sourceFiles(SRC)
    .map((file) => ({ file: path.relative(SRC, file), lines: readFileSync(file, 'utf8').split('\n').length - 1 }))
    .filter(({ lines }) => lines > MAX_FILE_LINES)
    .map(({ file, lines }) => `${file}: ${lines}`);
  expect(long).toEqual([]);
});

it(`no function is over ${MAX_FUNCTION_LINES} lines, declarative tables aside`, () => {
  const long: string[] = [];
  const tables: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const relative = path.relative(SRC, file);
    for (const { name, lines } of functionsOf(file, readFileSync(file, 'utf8'))) {
      if (lines <= MAX_FUNCTION_LINES) continue;
      if (TABLES.has(`${relative} ${name}`)) tables.push(`${relative} ${name}`);
      else long.push(`${relative} ${name}: ${lines} lines`);
    }
  }
  expect(long).toEqual([]);
  // An exemption for a table that shrank (or went) goes too.
  expect(tables.sort()).toEqual([...TABLES].sort());
});
