/** The project row and its summary counts. */
import type { Db } from '../db';

export interface ProjectRow {
  id: string;
  name: string;
  createdAt: string;
}

/** Repository of the single `project` row of a project database. */
export function projectsRepo(db: Db) {
  const get = db.prepare('SELECT id, name, created_at AS createdAt FROM project LIMIT 1');
  const counts = db.prepare('SELECT (SELECT count(*) FROM datasets) AS datasets, (SELECT count(*) FROM runs) AS runs');
  const rename = db.prepare('UPDATE project SET name = ?');
  return {
    /** The project row. */
    get: () => get.get() as ProjectRow,
    /** How many datasets and runs the project holds. */
    counts: () => counts.get() as { datasets: number; runs: number },
    /** Renames the project. */
    rename: (name: string) => void rename.run(name),
  };
}
