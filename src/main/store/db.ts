/**
 * Opening and creating project databases. A project is a folder holding `attune.sqlite`.
 * Every check runs on a read-only connection first, so a folder that is not a project, a
 * database from a newer Attune or a corrupt file is reported and left exactly as it was.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { AppError } from '../../shared/errors';
import { LATEST_VERSION, migrations } from './migrations';

export type Db = Database.Database;

/** The database file name inside a project folder. */
export const DB_FILE = 'attune.sqlite';

/** The database path of a project folder. */
export function dbPath(folder: string): string {
  return join(resolve(folder), DB_FILE);
}

function configure(db: Db): void {
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
}

/**
 * Applies the migrations newer than the database's user_version, each in its own immediate
 * transaction that reads the version again first, so two processes opening an old project at
 * once migrate it once.
 */
export function migrate(db: Db, folder: string): void {
  const ctx = { folder: resolve(folder) };
  for (;;) {
    const applied = db.transaction(() => {
      const v = db.pragma('user_version', { simple: true }) as number;
      if (v >= migrations.length) return false;
      const m = migrations[v];
      if (typeof m === 'string') db.exec(m);
      else m(db, ctx);
      db.pragma(`user_version = ${v + 1}`);
      return true;
    }).immediate();
    if (!applied) return;
  }
}

/** Checks an existing database without writing to it; throws a clear AppError naming the file. */
function inspect(file: string): void {
  let ro: Db | undefined;
  try {
    ro = new Database(file, { readonly: true, fileMustExist: true });
    const version = ro.pragma('user_version', { simple: true }) as number;
    if (version > LATEST_VERSION) {
      throw new AppError(
        'schema_too_new',
        `${file} was written by a newer Attune (schema ${version}; this version reads up to ${LATEST_VERSION}). Update Attune to open it; the file was not changed.`,
      );
    }
    const check = ro.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new AppError('corrupt_database', `${file} is damaged (${String(check)}). Restore it from a backup; it was not changed.`);
    const hasProject = ro.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'project'").get();
    if (version > 0 && !hasProject) throw new AppError('not_a_project', `${file} is an SQLite file but not an Attune project.`);
  } catch (e) {
    if (e instanceof AppError) throw e;
    const msg = (e as Error).message;
    throw new AppError('corrupt_database', `${file} cannot be read as a project database (${msg}). It was not changed.`);
  } finally {
    ro?.close();
  }
}

/** Opens the project database in `folder`, migrating it forward. Refuses anything that is not a project. */
export function openProjectDb(folder: string): Db {
  const dir = resolve(folder);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new AppError('not_found', `${dir} is not a folder.`);
  const file = dbPath(dir);
  if (!existsSync(file)) throw new AppError('not_a_project', `${dir} is not an Attune project: it has no ${DB_FILE}.`);
  inspect(file);
  const db = new Database(file, { fileMustExist: true });
  try {
    configure(db);
    migrate(db, dir);
    return db;
  } catch (e) {
    db.close();
    throw new AppError('corrupt_database', `${file} could not be opened: ${(e as Error).message}`);
  }
}

/** Creates a new project in `folder` (created if missing). Refuses a folder that already holds one. */
export function createProjectDb(folder: string, name: string): Db {
  const dir = resolve(folder);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new AppError('validation', `${dir} is a file, not a folder.`);
  const file = dbPath(dir);
  if (existsSync(file)) throw new AppError('already_exists', `${dir} already holds an Attune project. Open it instead.`);
  mkdirSync(dir, { recursive: true });
  const db = new Database(file);
  configure(db);
  migrate(db, dir);
  db.prepare('INSERT INTO project (id, name, created_at) VALUES (?, ?, ?)').run(randomUUID(), name, new Date().toISOString());
  return db;
}
