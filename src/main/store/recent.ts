/** The recent-projects list, a small JSON file in the app's user-data folder. */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { dbPath } from './db';

export interface RecentEntry {
  name: string;
  folder: string;
  openedAt: string;
}

const MAX_RECENT = 20;

/** Reads and updates `recent-projects.json` under `userDataDir`. A damaged file reads as empty. */
export class RecentProjects {
  private readonly file: string;

  constructor(userDataDir: string) {
    this.file = join(userDataDir, 'recent-projects.json');
  }

  /** Entries, most recent first, each marked available when its database still exists. */
  list(): (RecentEntry & { available: boolean })[] {
    return this.read().map((e) => ({ ...e, available: existsSync(dbPath(e.folder)) }));
  }

  /** Moves a project to the top of the list. */
  touch(name: string, folder: string): void {
    const abs = resolve(folder);
    const rest = this.read().filter((e) => e.folder !== abs);
    this.write([{ name, folder: abs, openedAt: new Date().toISOString() }, ...rest].slice(0, MAX_RECENT));
  }

  /** Removes a folder from the list; true when it was there. */
  forget(folder: string): boolean {
    const abs = resolve(folder);
    const all = this.read();
    const rest = all.filter((e) => e.folder !== abs);
    this.write(rest);
    return rest.length !== all.length;
  }

  private read(): RecentEntry[] {
    try {
      const data = JSON.parse(readFileSync(this.file, 'utf8'));
      return Array.isArray(data) ? data.filter((e) => typeof e?.folder === 'string' && typeof e?.name === 'string') : [];
    } catch {
      return [];
    }
  }

  private write(entries: RecentEntry[]): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(entries, null, 2));
    renameSync(tmp, this.file);
  }
}
