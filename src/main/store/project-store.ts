/** One open project: its folder, its database and a repository per aggregate. */
import { createProjectDb, openProjectDb, type Db } from './db';
import { projectsRepo } from './repos/projects';
import { datasetsRepo } from './repos/datasets';
import { imagesRepo } from './repos/images';
import { runsRepo } from './repos/runs';
import { metricsRepo } from './repos/metrics';
import { checkpointsRepo } from './repos/checkpoints';
import { artifactsRepo } from './repos/artifacts';
import { splitsRepo } from './repos/splits';
import { leasesRepo } from './repos/leases';
import { resolve } from 'node:path';

/** A project folder opened for reading and writing. Close it when done. */
export class ProjectStore {
  readonly projects;
  readonly datasets;
  readonly images;
  readonly runs;
  readonly metrics;
  readonly checkpoints;
  readonly artifacts;
  readonly splits;
  readonly leases;

  private constructor(
    readonly folder: string,
    readonly db: Db,
  ) {
    this.projects = projectsRepo(db);
    this.datasets = datasetsRepo(db);
    this.images = imagesRepo(db);
    this.runs = runsRepo(db);
    this.metrics = metricsRepo(db);
    this.checkpoints = checkpointsRepo(db, folder);
    this.artifacts = artifactsRepo(db, folder);
    this.splits = splitsRepo(db);
    this.leases = leasesRepo(db);
  }

  /** Opens an existing project (see openProjectDb for the checks). */
  static open(folder: string): ProjectStore {
    return new ProjectStore(resolve(folder), openProjectDb(folder));
  }

  /** Creates a project in a new or empty folder. */
  static create(folder: string, name: string): ProjectStore {
    return new ProjectStore(resolve(folder), createProjectDb(folder, name));
  }

  /** Schema version of the open database. */
  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  /** Closes the database (checkpointing the WAL). */
  close(): void {
    if (this.db.open) this.db.close();
  }
}
