import type { TargetSettings } from '../config/types.js';
import { type CopySettings, tidyProjectCopies } from '../copies/reset-template.js';
import { findSnapshot, listSnapshots, removeSnapshot, restoreSnapshot, saveSnapshot } from '../copies/snapshots.js';
import type { ConnectionInfo } from '../database/connection/connection.js';
import type { SessionMigrations } from './database-actions.js';

export interface SnapshotRow {
  name: string;
  createdAt: string;
  size: number;
  databases: string[];
  changedSince: string[];
}

/**
 * Snapshots from the Database page, as `devup snapshot save|restore|rm` do them. Copying ends the
 * sessions on the databases: the services reconnect on their next query, as after the CLI's.
 */
export class SnapshotActions {
  readonly #config: CopySettings & TargetSettings;
  readonly #admin: ConnectionInfo;
  readonly #services: string[];

  constructor(config: CopySettings & TargetSettings, admin: ConnectionInfo, services: string[]) {
    this.#config = config;
    this.#admin = admin;
    this.#services = services;
  }

  async list(): Promise<SnapshotRow[]> {
    const snapshots = await listSnapshots(this.#config, this.#admin);
    return snapshots.map((s) => ({
      name: s.name,
      createdAt: s.createdAt,
      size: s.size,
      databases: s.copies.map((c) => c.label.source),
      changedSince: s.changedSince,
    }));
  }

  async save(name: string): Promise<{ databases: string[] }> {
    const { snapshot } = await saveSnapshot(this.#config, this.#admin, name);
    return { databases: snapshot };
  }

  /** Replaces the databases with the snapshot's, then applies what was written since (the session's runner). */
  async restore(name: string, migrations: SessionMigrations): Promise<{ restored: string[] }> {
    const snapshot = await findSnapshot(this.#config, this.#admin, name);
    const { restored } = await restoreSnapshot(this.#config, this.#admin, snapshot);
    // The replaced databases are dropped in the background, as after `devup snapshot restore`.
    void tidyProjectCopies(this.#config, this.#admin).catch(() => {});
    await migrations.request(this.#services, { asked: true });
    return { restored };
  }

  async remove(name: string): Promise<void> {
    await removeSnapshot(this.#config, this.#admin, await findSnapshot(this.#config, this.#admin, name));
  }
}
