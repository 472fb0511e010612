/** Numbered forward migrations; migration N brings the schema to `PRAGMA user_version = N`. */
import type Database from 'better-sqlite3';
import { sql as m001 } from './001_initial';
import { sql as m002 } from './002_run_splits';
import { up as m003 } from './003_relative_paths';
import { sql as m004 } from './004_run_leases';
import { sql as m005 } from './005_checkpoint_final';

export type MigrationDb = Database.Database;

/** What a migration that rewrites rows may need to know about the project. */
export interface MigrationContext {
  /** the project folder, absolute */
  folder: string;
}

/** SQL to execute, or a function for rewrites SQL alone cannot do (run inside the migration's transaction). */
export type Migration = string | ((db: MigrationDb, ctx: MigrationContext) => void);

/** In order; never edit a shipped one, add the next. */
export const migrations: readonly Migration[] = [m001, m002, m003, m004, m005];

/** The schema version this build writes. */
export const LATEST_VERSION = migrations.length;
