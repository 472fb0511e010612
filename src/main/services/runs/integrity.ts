/**
 * Checkpoint integrity before a resume or an export: each recorded checkpoint must exist, have
 * the size and SHA-256 recorded when it was written. A resume continues from the newest intact
 * checkpoint; damaged newer ones are set aside (renamed `*.damaged`, rows forgotten). When none
 * is intact, the resume is refused unless the user asked to restart the stage.
 */
import { closeSync, existsSync, openSync, readSync, renameSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { relative } from 'node:path';
import { AppError } from '../../../shared/errors';
import type { ProjectStore } from '../../store/project-store';
import type { CheckpointRow } from '../../store/repos/checkpoints';
import { runExtrasRepo } from '../../store/repos/run-extras';
import { assertInsideProject } from '../../store/paths';

/** A recorded checkpoint that cannot be used, and why. */
export interface DamagedCheckpoint {
  checkpoint: CheckpointRow;
  problem: string;
}

/** Where a resume starts: the newest intact checkpoint (null: the beginning) and the damaged ones newer than it. */
export interface ResumeChoice {
  from: CheckpointRow | null;
  damaged: DamagedCheckpoint[];
}

/** SHA-256 of a file, read in 4 MiB pieces. */
export function sha256File(path: string): string {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(4 << 20);
  const fd = openSync(path, 'r');
  try {
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0;) hash.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** Why a recorded checkpoint cannot be used, or null when its file is intact. */
export function checkpointProblem(c: CheckpointRow): string | null {
  if (!existsSync(c.path)) return 'its file is missing';
  const size = statSync(c.path).size;
  if (c.byteSize !== null && size !== c.byteSize) return `its file has ${size} bytes where ${c.byteSize} were written`;
  if (c.sha256 && sha256File(c.path) !== c.sha256) return 'its content does not match the SHA-256 recorded when it was written (the file was changed or damaged)';
  return null;
}

/** The newest intact checkpoint of a run and the damaged ones after it. */
export function chooseResumePoint(store: ProjectStore, runId: string): ResumeChoice {
  const damaged: DamagedCheckpoint[] = [];
  for (const c of store.checkpoints.list(runId).reverse()) {
    const problem = checkpointProblem(c);
    if (problem === null) return { from: c, damaged };
    damaged.push({ checkpoint: c, problem });
  }
  return { from: null, damaged };
}

function label(store: ProjectStore, c: CheckpointRow): string {
  return relative(store.folder, c.path) || c.path;
}

/** One line per damaged checkpoint: which file of which run, and what is wrong. */
export function describeDamage(store: ProjectStore, runId: string, damaged: DamagedCheckpoint[]): string {
  return damaged.map((d) => `checkpoint ${label(store, d.checkpoint)} of run ${runId} (stage ${d.checkpoint.stageIdx}, step ${d.checkpoint.step}): ${d.problem}`).join('; ');
}

/** The refusal when no intact checkpoint is left; it offers a restart. */
export function refusal(store: ProjectStore, runId: string, damaged: DamagedCheckpoint[]): AppError {
  const stage = store.runs.stages(runId).find((s) => s.idx === damaged[damaged.length - 1].checkpoint.stageIdx);
  return new AppError(
    'validation',
    `run ${runId} cannot be resumed: ${describeDamage(store, runId, damaged)}, and no earlier checkpoint of this run is intact. ` +
      `Nothing was run. To start again without it, run: attune resume ${runId} --restart-stage --project ${store.folder}` +
      ` (the run restarts from its first stage${stage ? `; the work of stage "${stage.name}" and before is redone` : ''}).`,
  );
}

/** Checks for a resume about to be queued: throws the refusal when nothing intact is left and no restart was asked. */
export function assertResumable(store: ProjectStore, runId: string, restartStage: boolean): ResumeChoice {
  const choice = chooseResumePoint(store, runId);
  if (choice.damaged.length && !choice.from && !restartStage) throw refusal(store, runId, choice.damaged);
  return choice;
}

/** Forgets damaged checkpoints: renames each file (inside the project only) to `*.damaged` and drops its row. */
export function setAsideDamaged(store: ProjectStore, damaged: DamagedCheckpoint[], warn: (message: string) => void): void {
  const extras = runExtrasRepo(store.db);
  for (const d of damaged) {
    try {
      const abs = assertInsideProject(store.folder, d.checkpoint.path, `set aside the damaged checkpoint of run ${d.checkpoint.runId}`);
      if (existsSync(abs)) renameSync(abs, `${abs}.damaged`);
    } catch (e) {
      warn(`the damaged checkpoint ${d.checkpoint.path} was left where it is: ${(e as Error).message}`);
    }
    extras.deleteCheckpoint(d.checkpoint.id);
  }
}

/** For an export: throws naming the file and run when the chosen checkpoint is not intact. */
export function assertCheckpointIntact(store: ProjectStore, runId: string, c: CheckpointRow): void {
  const problem = checkpointProblem(c);
  if (problem) throw new AppError('validation', `checkpoint ${label(store, c)} of run ${runId} cannot be used: ${problem}. Export an earlier checkpoint of this run, or run its stage again.`);
}
