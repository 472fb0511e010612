/** Runs and their stages. */
import type { Db } from '../db';
import type { RunStatus } from '../../../shared/schemas/run';
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
  /** set when the row cannot be used: what cannot be read (status is then 'damaged', config and summary null) */
  damaged?: string;
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

/** Parses one stored JSON column (NULL reads as null); a parse failure comes back with the parser's reason. */
function readJson(raw: unknown): { ok: true; value: unknown } | { ok: false; why: string } {
  if (raw === null || raw === undefined) return { ok: true, value: null };
  try {
    return { ok: true, value: JSON.parse(String(raw)) };
  } catch (e) {
    return { ok: false, why: (e as Error).message };
  }
}

/** A run row; one whose JSON cannot be read comes back as 'damaged' with the reason, so one bad row never hides the others. */
function parseRun(r: Record<string, unknown> | undefined): RunRow | undefined {
  if (!r) return undefined;
  const row = r as unknown as RunRow;
  const config = readJson(r.config);
  const summary = readJson(r.summary);
  if (config.ok && config.value !== null && summary.ok) return { ...row, config: config.value, summary: summary.value };
  const damaged = !config.ok ? `its stored configuration cannot be read (${config.why})`
    : config.value === null ? 'its stored configuration is empty'
      : `its stored results cannot be read (${(summary as { why: string }).why})`;
  return { ...row, status: 'damaged', config: null, summary: null, error: `run ${row.id} is damaged: ${damaged}`, damaged };
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
  const runningIds = db.prepare("SELECT id FROM runs WHERE status = 'running'").pluck();
  const interruptRun = db.prepare("UPDATE runs SET status = 'interrupted' WHERE id = ? AND status = 'running'");
  const interruptStages = db.prepare("UPDATE stages SET status = 'interrupted' WHERE run_id = ? AND status = 'running'");

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
    /**
     * Marks 'running' runs interrupted (cut off by a crash or a kill), except those `isLive`
     * says another process still runs. One transaction; returns the ids marked.
     */
    markInterrupted: db.transaction((isLive: (runId: string) => boolean = () => false): string[] => {
      const marked: string[] = [];
      for (const id of runningIds.all() as string[]) {
        if (isLive(id)) continue;
        interruptRun.run(id);
        interruptStages.run(id);
        marked.push(id);
      }
      return marked;
    }),
  };
}
