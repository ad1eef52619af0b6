/** One section of SQL to run (an up or a down), with where it sits in its file. */
export interface SqlSection {
  /** Absolute path of the file the SQL came from. */
  file: string;
  sql: string;
  /** 0-based line in `file` where `sql` begins (dbmate sections start below their marker). */
  lineOffset: number;
  /** Runs outside a transaction, statement by statement (e.g. CREATE INDEX CONCURRENTLY). */
  noTransaction: boolean;
}

export type MigrationFormat = 'ordered' | 'pairs' | 'dbmate' | 'diesel';

export interface Migration {
  version: bigint;
  /** The migration's id as people see it, e.g. `0003_add_user_bio`. */
  id: string;
  /** The part after the version, e.g. `add_user_bio`. */
  name: string;
  format: MigrationFormat;
  up: SqlSection;
  down: SqlSection | undefined;
  /** SHA-256 of the up SQL with line endings normalised (and its contexts, when declared outside it). */
  checksum: string;
  /** `-- devup:context dev,test`: the contexts it runs in; undefined runs in every context. */
  contexts?: string[] | undefined;
}
