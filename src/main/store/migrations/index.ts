/** Numbered forward migrations; migration N brings the schema to `PRAGMA user_version = N`. */
import { sql as m001 } from './001_initial';
import { sql as m002 } from './002_run_splits';

/** In order; never edit a shipped one, add the next. */
export const migrations: readonly string[] = [m001, m002];

/** The schema version this build writes. */
export const LATEST_VERSION = migrations.length;
