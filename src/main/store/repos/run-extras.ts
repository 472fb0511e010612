/** Run queries the runs repository lacks: a stage's total steps, and the newest stage-end checkpoint. */
import type { Db } from '../db';

/** Extra statements over runs, stages and checkpoints. */
export function runExtrasRepo(db: Db) {
  const stageTotal = db.prepare('UPDATE stages SET total_steps = ? WHERE run_id = ? AND idx = ?');
  const resetStage = db.prepare("UPDATE stages SET status = 'pending', done_steps = 0, started_at = NULL, finished_at = NULL WHERE run_id = ? AND idx >= ?");
  const clearError = db.prepare('UPDATE runs SET error = NULL, finished_at = NULL WHERE id = ?');
  const dropCheckpoint = db.prepare('DELETE FROM checkpoints WHERE id = ?');
  const failRunning = db.prepare("UPDATE stages SET status = ?, finished_at = ? WHERE run_id = ? AND status = 'running'");
  return {
    /** Sets the number of steps of a stage once the engine knows it. */
    setStageTotal: (runId: string, idx: number, total: number) => void stageTotal.run(total, runId, idx),
    /** Marks stages from `idx` on as pending again (resume re-runs them). */
    resetStagesFrom: (runId: string, idx: number) => void resetStage.run(runId, idx),
    /** Clears the error and finish time of a run that is started again. */
    clearError: (runId: string) => void clearError.run(runId),
    /** Forgets a checkpoint row (its file is removed by the caller). */
    deleteCheckpoint: (id: number) => void dropCheckpoint.run(id),
    /** Moves the running stage (if any) to failed or interrupted. */
    endRunningStage: (runId: string, status: 'failed' | 'interrupted' | 'pending') => void failRunning.run(status, new Date().toISOString(), runId),
  };
}
