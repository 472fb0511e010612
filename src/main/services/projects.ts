/** Creating, opening and remembering projects; keeps each open project's store. */
import { AppError } from '../../shared/errors';
import type { ProjectSummary } from '../../shared/schemas/project';
import { ProjectStore } from '../store/project-store';
import { RecentProjects } from '../store/recent';
import { resolve } from 'node:path';
import { interruptDeadRuns } from './runs/lease';

/** Project service shared by the IPC handlers, `attune serve` and the CLI. */
export class ProjectService {
  private readonly open = new Map<string, ProjectStore>();
  readonly recent: RecentProjects;

  constructor(userDataDir: string) {
    this.recent = new RecentProjects(userDataDir);
  }

  /** Creates a project and adds it to the recent list. */
  create(name: string, folder: string): ProjectSummary {
    const store = ProjectStore.create(folder, name);
    this.open.set(store.folder, store);
    this.recent.touch(name, store.folder);
    return summarize(store);
  }

  /** Opens (or returns the already open) project in `folder`. */
  openProject(folder: string): ProjectSummary {
    const store = this.get(folder);
    this.recent.touch(store.projects.get().name, store.folder);
    return summarize(store);
  }

  /**
   * The open store of a project folder, opening it on first use. Runs left 'running' by a
   * process that is gone are marked interrupted; runs another live process holds stay running.
   */
  get(folder: string): ProjectStore {
    const abs = resolve(folder);
    let store = this.open.get(abs);
    if (!store) {
      store = ProjectStore.open(abs);
      const interrupted = interruptDeadRuns(store);
      if (interrupted.length > 0) console.warn(`[attune] ${interrupted.length} run(s) in ${abs} were cut off and are marked interrupted: ${interrupted.join(', ')}`);
      this.open.set(abs, store);
    }
    return store;
  }

  /** Closes one project's database (it is opened again on next use), e.g. before its folder is copied or moved. */
  close(folder: string): void {
    const abs = resolve(folder);
    this.open.get(abs)?.close();
    this.open.delete(abs);
  }

  /** Closes every open project database. */
  closeAll(): void {
    for (const s of this.open.values()) s.close();
    this.open.clear();
  }
}

/** The renderer's view of a project. */
export function summarize(store: ProjectStore): ProjectSummary {
  const row = store.projects.get();
  if (!row) throw new AppError('not_a_project', `${store.folder} has an empty project table.`);
  const counts = store.projects.counts();
  return { id: row.id, name: row.name, folder: store.folder, createdAt: row.createdAt, schemaVersion: store.schemaVersion, ...counts };
}
