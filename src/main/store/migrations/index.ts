/** Numbered forward migrations; migration N brings the schema to `PRAGMA user_version = N`. */
import { sql as m001 } from './001_initial';

/** In order; never edit a shipped one, add the next. */
export const migrations: readonly string[] = [m001];

/** The schema version this build writes. */
export const LATEST_VERSION = migrations.length;
