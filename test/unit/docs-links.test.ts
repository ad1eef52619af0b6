import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import GithubSlugger from 'github-slugger';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** The Markdown a reader follows links through: the README, docs/ and the bench's README. */
function documents(root: string): string[] {
  const docs = path.join(root, 'docs');
  const inDocs = existsSync(docs)
    ? readdirSync(docs)
        .filter((name) => name.endsWith('.md'))
        .map((name) => path.join(docs, name))
    : [];
  return [path.join(root, 'README.md'), ...inDocs, path.join(root, 'bench', 'README.md')].filter((f) => existsSync(f));
}

/** The text outside fenced code blocks, line by line (a link or heading inside a fence is an example). */
function proseLines(markdown: string): { line: number; text: string }[] {
  const lines: { line: number; text: string }[] = [];
  let fence: string | undefined;
  markdown.split('\n').forEach((text, index) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(text)?.[1];
    if (marker && (fence === undefined || marker.startsWith(fence))) {
      fence = fence === undefined ? marker : undefined;
      return;
    }
    if (fence === undefined) lines.push({ line: index + 1, text });
  });
  return lines;
}

/** Inline code spans hold text, not links: `[x](y)` written in backticks is not followed. */
const withoutCode = (text: string) => text.replace(/(`+)[^`]*?\1/g, '');

/** The anchors GitHub gives a file's headings (github-slugger is the algorithm GitHub's renderer uses). */
function headingSlugs(file: string): Set<string> {
  const slugger = new GithubSlugger();
  const slugs = new Set<string>();
  for (const { text } of proseLines(readFileSync(file, 'utf8'))) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text)?.[1];
    if (heading === undefined) continue;
    // The slug is made from the rendered text: link targets, backticks and emphasis marks are gone.
    const rendered = heading.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[`*]/g, '');
    slugs.add(slugger.slug(rendered));
  }
  return slugs;
}

/** Every relative link of one file that does not resolve, as `file:line → target (why)`. */
function brokenLinks(root: string, file: string): string[] {
  const broken: string[] = [];
  const name = path.relative(root, file);
  for (const { line, text } of proseLines(readFileSync(file, 'utf8'))) {
    const prose = withoutCode(text);
    const targets = [
      ...[...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1] as string),
      ...[...prose.matchAll(/^\s*\[[^\]]+\]:\s+(\S+)/g)].map((m) => m[1] as string),
    ];
    for (const target of targets) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: … are not files here
      const [pathPart = '', anchor] = target.split('#');
      const resolved = pathPart === '' ? file : path.resolve(path.dirname(file), decodeURIComponent(pathPart));
      if (!existsSync(resolved)) {
        broken.push(`${name}:${line} → ${target} (no such file)`);
        continue;
      }
      if (anchor === undefined) continue;
      if (statSync(resolved).isDirectory() || !resolved.endsWith('.md')) {
        broken.push(`${name}:${line} → ${target} (an anchor into a file that is not Markdown)`);
      } else if (!headingSlugs(resolved).has(decodeURIComponent(anchor))) {
        broken.push(`${name}:${line} → ${target} (no heading with that anchor)`);
      }
    }
  }
  return broken;
}

it('every relative link and anchor in the README, docs/ and bench/README.md resolves', () => {
  const files = documents(ROOT);
  expect(files.map((f) => path.relative(ROOT, f))).toContain('docs/architecture.md');
  expect(files.flatMap((file) => brokenLinks(ROOT, file))).toEqual([]);
});

it('the README links every page of docs/, so that a newcomer finds it', () => {
  const readme = path.join(ROOT, 'README.md');
  const linked = new Set(
    proseLines(readFileSync(readme, 'utf8')).flatMap(({ text }) =>
      [...withoutCode(text).matchAll(/\]\(\s*<?(docs\/[^)\s>#]+)/g)].map((m) => m[1] as string),
    ),
  );
  const pages = documents(ROOT)
    .map((f) => path.relative(ROOT, f))
    .filter((f) => f.startsWith('docs/'));
  expect(
    pages.filter((page) => !linked.has(page)),
    "pages missing from the README's Documentation list",
  ).toEqual([]);
});

describe('the link check itself', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'devup-docs-links-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    path.join(dir, 'other.md'),
    '# The `devup dev` command\n\n## Exit codes: 0, 1\n\n## Exit codes: 0, 1\n',
  );
  writeFileSync(
    path.join(dir, 'README.md'),
    [
      '[ok](other.md) [ok](other.md#the-devup-dev-command) [ok](other.md#exit-codes-0-1-1) [ok](#top)',
      '# Top',
      '[gone](missing.md) [bad anchor](other.md#exit-codes) [https](https://example.com/x.md)',
      '`[in code](nowhere.md)`',
      '```',
      '[in a fence](nowhere.md)',
      '```',
      '[ref]: ./nowhere-either.md',
    ].join('\n'),
  );

  it('reports a missing file, an unknown anchor and a broken reference, and nothing in code', () => {
    expect(brokenLinks(dir, path.join(dir, 'README.md'))).toEqual([
      'README.md:3 → missing.md (no such file)',
      'README.md:3 → other.md#exit-codes (no heading with that anchor)',
      'README.md:8 → ./nowhere-either.md (no such file)',
    ]);
  });
});
