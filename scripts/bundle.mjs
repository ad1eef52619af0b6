#!/usr/bin/env node
// The CLI as a few files instead of ~190 modules: dist/bundle/devup.mjs, one chunk holding what a
// warm `devup dev` / `devup migrate` runs, and chunks for what loads lazily (each `await import()`
// of a rarely used part stays lazy), with source maps to src/. Run by `npm run build`, after tsc;
// `bin/devup.js` prefers the bundle and falls back to dist/cli/main.js.
//
// Why rolldown and these groups: start-up cost is per module file (resolve, read, compile, link:
// ≈0.3 ms each on this 2-core machine, Node 20 and 24 alike). Automatic code splitting cuts the
// code by which lazy imports reach it, and with ~40 lazy imports that gave 39 files on the warm
// path (≈15 ms of a ≈100 ms warm run). esbuild cannot merge chunks; rolldown's manual groups can.
// A group's modules are all evaluated when its chunk loads, so the warm group holds only what the
// warm path runs: a module missing from it still works (it lands in an automatic chunk, one more
// file); one that does not belong there costs its parse on every run.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(REPO, 'dist', 'bundle');

/**
 * Dependencies folded into the bundle: plain JavaScript on the start-up path, many files each.
 * Everything else stays a normal import: packages that find files next to themselves
 * (WebAssembly, platform binaries, native add-ons) or load rarely. pg's optional peers
 * (pg-native, pg-cloudflare) stay outside and are required only if used.
 */
const BUNDLED = new Set([
  'commander',
  // commander's own classes, typed from each command's declaration (cli/commands.ts).
  '@commander-js/extra-typings',
  'zod',
  'p-limit',
  'yocto-queue',
  'tinyglobby',
  'fdir',
  'picomatch',
  'pg-connection-string',
  'pg',
  'pg-pool',
  'pg-protocol',
  'pg-types',
  'pg-int8',
  'pgpass',
  'split2',
  'postgres-array',
  'postgres-bytea',
  'postgres-date',
  'postgres-interval',
  'xtend',
  // execa and everything it imports: ~150 ES module files read one by one on every `devup dev`
  // (it starts the services) and every external tool run; plain JavaScript, found no files of its own.
  'execa',
  '@sindresorhus/merge-streams',
  'cross-spawn',
  'path-key',
  'shebang-command',
  'shebang-regex',
  'which',
  'isexe',
  'figures',
  'is-unicode-supported',
  'get-stream',
  '@sec-ant/readable-stream',
  'is-stream',
  'human-signals',
  'is-plain-obj',
  'npm-run-path',
  'unicorn-magic',
  'pretty-ms',
  'parse-ms',
  'signal-exit',
  'strip-final-newline',
  'yoctocolors',
]);

const packageName = (specifier) => {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
};

/**
 * The chunks, decided by the source: a group is every module reachable by static imports from its
 * seed modules (a lazy `import()` is where the reach stops), less what an earlier group took. So a
 * module is warm exactly when the warm path imports it statically, and a new `await import()` of a
 * rarely used part keeps it out with no list to edit. Seeds name files, never their dependencies.
 */
const GROUPS = [
  // `devup dev` / `devup migrate` up to "services start": the commands' own static closure.
  { name: 'warm', seeds: ['cli/main.ts', 'index.ts', 'cli/dev.ts', 'cli/migrate.ts'] },
  // What `devup dev` adds once the database is ready: the supervisor and the live session.
  { name: 'services', seeds: ['services/service-supervisor.ts', 'app/dev/live-session.ts'] },
  // pg loads lazily behind a shim (database/connection/connection.ts), and pg-connection-string
  // with it: one file for both, not one each.
  { name: 'pg', packages: ['pg', 'pg-connection-string'] },
  // A config with infra: its warm step (plan, one list call, readiness as listed, the exit watch)
  // and the Docker layer under it, in one file rather than three automatic chunks.
  { name: 'infra', seeds: ['app/dev/dev-infra.ts'] },
];
const srcFile = (relative) => path.join(REPO, 'src', relative);

/** Fills each group's module set from the module graph once the build has read every module. */
function staticGroups() {
  const members = GROUPS.map(() => new Set());
  const owner = new Map();
  return {
    plugin: {
      name: 'static-groups',
      async buildEnd() {
        const importer = srcFile('database/connection/connection.ts');
        for (const [index, group] of GROUPS.entries()) {
          const packages = await Promise.all((group.packages ?? []).map((name) => this.resolve(name, importer)));
          const stack = [...(group.seeds ?? []).map(srcFile), ...packages.map((resolved) => resolved.id)];
          while (stack.length > 0) {
            const id = stack.pop();
            if (owner.has(id)) continue;
            const info = this.getModuleInfo(id);
            if (!info) throw new Error(`bundle: ${path.relative(REPO, id)} is not in the module graph`);
            owner.set(id, index);
            members[index].add(id);
            stack.push(...info.importedIds.filter((dep) => !dep.startsWith('node:') && !dep.startsWith('\0')));
          }
        }
      },
    },
    groups: GROUPS.map((group, index) => ({ name: group.name, test: (id) => members[index].has(id) })),
  };
}
const grouping = staticGroups();
const ineffective = [];

await build({
  // `index` is the package's entry ("exports" in package.json): a config file's
  // `import { defineConfig } from 'devup-env'` then reuses the modules the CLI already loaded instead
  // of reading ~100 files of dist/ (≈40 ms of every start of such a config).
  input: { devup: path.join(REPO, 'src', 'cli', 'main.ts'), index: path.join(REPO, 'src', 'index.ts') },
  platform: 'node',
  logLevel: 'warn',
  // Imports are written `./x.js` for tsc's output; the sources are `.ts`.
  resolve: { extensionAlias: { '.js': ['.ts', '.js'] } },
  external: (id) =>
    id.startsWith('node:') || (/^[^./]/.test(id) && !path.isAbsolute(id) && !BUNDLED.has(packageName(id))),
  // A lazy import of a module that is also imported statically is no seam at all: the build says
  // so (INEFFECTIVE_DYNAMIC_IMPORT), and fails, so that the source stays the one truth.
  onLog: (level, log, handler) => {
    if (log.code === 'INEFFECTIVE_DYNAMIC_IMPORT') ineffective.push(log.message);
    else handler(level, log);
  },
  plugins: [
    grouping.plugin,
    {
      // pg asks "is this a Cloudflare Worker?" when it loads, by building a fetch `Response`: on
      // Node 20 that loads undici, ~20 ms of every start (a sixth of a warm `devup migrate`).
      // devup runs on Node only, so the answer is fixed at build time. The build fails if pg
      // changes that code, so the patch cannot go stale silently.
      name: 'pg-node-only',
      transform(code, id) {
        if (!/[/\\]node_modules[/\\]pg[/\\]lib[/\\]stream\.js$/.test(id)) return undefined;
        const call = 'if (isCloudflareRuntime()) {';
        if (!code.includes(call))
          throw new Error(`bundle: ${id} no longer has "${call}": revisit the pg-node-only patch`);
        // Same lines, same columns before the call: the source map needs no change (map: null).
        return { code: code.replace(call, 'if (false) {'), map: null };
      },
    },
    {
      // src/version.ts reads ../package.json next to dist/; the bundle sits one level deeper.
      name: 'version',
      load(id) {
        if (!/[/\\]src[/\\]version\.ts$/.test(id)) return undefined;
        const { version } = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8'));
        return { code: `export const VERSION = ${JSON.stringify(version)};`, moduleType: 'ts' };
      },
    },
  ],
  output: {
    dir: OUT,
    cleanDir: true,
    format: 'esm',
    entryFileNames: '[name].mjs',
    chunkFileNames: 'chunk-[name]-[hash].mjs',
    sourcemap: true,
    sourcemapExcludeSources: true,
    codeSplitting: {
      groups: grouping.groups,
    },
  },
});
if (ineffective.length > 0) {
  console.error(
    `bundle: lazy imports that load nothing lazily (make them static, or the others lazy):\n${ineffective.join('\n')}`,
  );
  process.exit(1);
}
