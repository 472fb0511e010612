/** Runs and their stages. */
import type { Db } from '../db';

export type RunStatus = 'queued' | 'running' | 'paused' | 'completed' | 'failed' | 'cancelled' | 'interrupted';
export type StageStatus = 'pending' | 'running' | 'completed' | 'failed' | 'skipped' | 'interrupted';

export interface RunRow {
  id: string;
  groupId: string | null;
  name: string;
  recipe: string;
  status: RunStatus;
  config: unknown;
  seed: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  summary: unknown;
}

export interface StageRow {
  idx: number;
  name: string;
  kind: string;
  status: StageStatus;
  totalSteps: number;
  doneSteps: number;
  startedAt: string | null;
  finishedAt: string | null;
}

const RUN_COLUMNS = `id, group_id AS groupId, name, recipe, status, config_json AS config, seed, created_at AS createdAt,
  started_at AS startedAt, finished_at AS finishedAt, error, summary_json AS summary`;

function parseRun(r: Record<string, unknown> | undefined): RunRow | undefined {
  if (!r) return undefined;
  return { ...(r as unknown as RunRow), config: JSON.parse(r.config as string), summary: r.summary ? JSON.parse(r.summary as string) : null };
}

/** Repository of runs and stages. */
export function runsRepo(db: Db) {
  const insertRun = db.prepare(`INSERT INTO runs (id, group_id, name, recipe, status, config_json, seed, created_at)
    VALUES (?, ?, ?, ?, 'queued', ?, ?, ?)`);
  const insertStage = db.prepare(`INSERT INTO stages (run_id, idx, name, kind, status, total_steps) VALUES (?, ?, ?, ?, 'pending', ?)`);
  const byId = db.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`);
  const all = db.prepare(`SELECT ${RUN_COLUMNS} FROM runs ORDER BY created_at DESC`);
  const setStatus = db.prepare(`UPDATE runs SET status = ?, error = ?,
    started_at = CASE WHEN ? = 'running' AND started_at IS NULL THEN ? ELSE started_at END,
    finished_at = CASE WHEN ? IN ('completed', 'failed', 'cancelled') THEN ? ELSE finished_at END WHERE id = ?`);
  const setSummary = db.prepare('UPDATE runs SET summary_json = ? WHERE id = ?');
  const stages = db.prepare(`SELECT idx, name, kind, status, total_steps AS totalSteps, done_steps AS doneSteps,
    started_at AS startedAt, finished_at AS finishedAt FROM stages WHERE run_id = ? ORDER BY idx`);
  const stageStatus = db.prepare(`UPDATE stages SET status = ?,
    started_at = CASE WHEN ? = 'running' AND started_at IS NULL THEN ? ELSE started_at END,
    finished_at = CASE WHEN ? IN ('completed', 'failed', 'skipped') THEN ? ELSE finished_at END WHERE run_id = ? AND idx = ?`);
  const stageProgress = db.prepare('UPDATE stages SET done_steps = ? WHERE run_id = ? AND idx = ?');
  const interruptRuns = db.prepare("UPDATE runs SET status = 'interrupted' WHERE status = 'running'");
  const interruptStages = db.prepare("UPDATE stages SET status = 'interrupted' WHERE status = 'running'");

  return {
    /** Creates a queued run with its stages, in one transaction. */
    create: db.transaction(
      (run: { id: string; groupId: string | null; name: string; recipe: string; config: unknown; seed: number },
        stageList: { name: string; kind: string; totalSteps: number }[]) => {
        insertRun.run(run.id, run.groupId, run.name, run.recipe, JSON.stringify(run.config), run.seed, new Date().toISOString());
        stageList.forEach((s, i) => insertStage.run(run.id, i, s.name, s.kind, s.totalSteps));
      },
    ),
    /** One run by id. */
    get: (id: string) => parseRun(byId.get(id) as never),
    /** Every run, newest first. */
    list: () => (all.all() as never[]).map((r) => parseRun(r)!),
    /** Moves a run to a status, stamping start and finish times. */
    setStatus(id: string, status: RunStatus, error: string | null = null) {
      const now = new Date().toISOString();
      setStatus.run(status, error, status, now, status, now, id);
    },
    /** Stores the final summary (metrics table of the run). */
    setSummary: (id: string, summary: unknown) => void setSummary.run(JSON.stringify(summary), id),
    /** Stages of a run in order. */
    stages: (id: string) => stages.all(id) as StageRow[],
    /** Moves a stage to a status. */
    setStageStatus(id: string, idx: number, status: StageStatus) {
      const now = new Date().toISOString();
      stageStatus.run(status, status, now, status, now, id, idx);
    },
    /** Records how many steps of a stage are done. */
    setStageProgress: (id: string, idx: number, done: number) => void stageProgress.run(done, id, idx),
    /** On start-up: anything still 'running' was cut off by a crash or a kill. Returns how many runs. */
    markInterrupted: db.transaction(() => {
      const n = interruptRuns.run().changes;
      interruptStages.run();
      return n;
    }),
  };
}
