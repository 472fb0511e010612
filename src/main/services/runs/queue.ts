/**
 * The run queue: one run on the engine at a time, the rest waiting in order. Pause and cancel
 * stop the engine job at its next step (it writes a checkpoint first); a crashed engine leaves
 * the run interrupted, resumable from its last checkpoint. While a run executes, this process
 * holds its lease (see lease.ts); a resume starts from the newest intact checkpoint (see
 * integrity.ts).
 */
import { join } from 'node:path';
import { AppError } from '../../../shared/errors';
import type { EngineHost } from '../../engine-host';
import type { ProjectService } from '../projects';
import type { ProjectStore } from '../../store/project-store';
import type { ExecuteParams, ExecuteResult } from '../../../shared/engine-jobs';
import type { RunConfig, RunStatus } from '../../../shared/schemas/run';
import { runExtrasRepo } from '../../store/repos/run-extras';
import { RunPersister, type Emit } from './persist';
import { RunLease } from './lease';
import { chooseResumePoint, describeDamage, refusal, setAsideDamaged } from './integrity';

interface QueueItem {
  project: string;
  runId: string;
  /** when no checkpoint is intact, start again from the beginning instead of refusing */
  restartStage?: boolean;
}

interface Current extends QueueItem {
  controller: AbortController;
  intent: 'pause' | 'cancel' | null;
  done: Promise<void>;
}

/** The folder of a run inside its project. */
export function runDirOf(project: string, runId: string): string {
  return join(project, 'runs', runId);
}

/** One queue per app (all projects share the one engine). */
export class RunQueue {
  private readonly waiting: QueueItem[] = [];
  private current: Current | undefined;
  private readonly listeners = new Set<(project: string, runId: string, status: RunStatus) => void>();

  constructor(
    private readonly engine: EngineHost,
    private readonly projects: ProjectService,
    private readonly emit: Emit,
  ) {}

  /** Subscribes to status changes of any run; returns the unsubscribe function. */
  onStatus(l: (project: string, runId: string, status: RunStatus) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Adds a (queued) run at the end and starts the queue if idle. */
  enqueue(project: string, runId: string, opts: { restartStage?: boolean } = {}): void {
    if (this.position(project, runId) !== null) return;
    this.waiting.push({ project, runId, restartStage: opts.restartStage });
    this.setStatus(project, runId, 'queued', null);
    void this.pump();
  }

  /** 0 for the run on the engine, 1.. for waiting runs, null when not in the queue. */
  position(project: string, runId: string): number | null {
    if (this.current && this.current.project === project && this.current.runId === runId) return 0;
    const i = this.waiting.findIndex((w) => w.project === project && w.runId === runId);
    return i < 0 ? null : i + 1;
  }

  /** Stops a run: paused (resumable) or cancelled. Returns false when the run is not in the queue. */
  async stop(project: string, runId: string, how: 'pause' | 'cancel'): Promise<boolean> {
    const i = this.waiting.findIndex((w) => w.project === project && w.runId === runId);
    if (i >= 0) {
      this.waiting.splice(i, 1);
      this.setStatus(project, runId, how === 'pause' ? 'paused' : 'cancelled', null);
      return true;
    }
    const cur = this.current;
    if (!cur || cur.project !== project || cur.runId !== runId) return false;
    cur.intent = how;
    cur.controller.abort();
    await cur.done;
    return true;
  }

  /** Resolves when nothing runs and nothing waits. */
  async idle(): Promise<void> {
    while (this.current) await this.current.done;
  }

  private setStatus(project: string, runId: string, status: RunStatus, error: string | null): void {
    const store = this.projects.get(project);
    store.runs.setStatus(runId, status, error);
    this.emit('runs.status', { project, runId, status, error });
    for (const l of this.listeners) l(project, runId, status);
  }

  private async pump(): Promise<void> {
    if (this.current) return;
    const next = this.waiting.shift();
    if (!next) return;
    const controller = new AbortController();
    let finish!: () => void;
    const done = new Promise<void>((r) => (finish = r));
    this.current = { ...next, controller, intent: null, done };
    try {
      await this.execute(this.current);
    } finally {
      this.current = undefined;
      finish();
      void this.pump();
    }
  }

  private async execute(cur: Current): Promise<void> {
    const { project, runId } = cur;
    const store = this.projects.get(project);
    const extras = runExtrasRepo(store.db);
    const run = store.runs.get(runId);
    if (!run) return;
    if (run.damaged) return this.setStatus(project, runId, 'failed', run.error);
    const runDir = runDirOf(store.folder, runId);
    const persister = new RunPersister(store, project, runId, runDir, this.emit);
    const lease = new RunLease(store, runId, (m) => persister.log('warn', m));
    try {
      lease.acquire();
    } catch (e) {
      const message = (e as Error).message;
      persister.log('error', message);
      if (e instanceof AppError) this.setStatus(project, runId, 'running', null); // another live process runs it (enqueue had said 'queued')
      else this.setStatus(project, runId, 'failed', `the lease of run ${runId} could not be taken: ${message}`);
      return;
    }
    try {
      await this.executeHeld(cur, store, extras, run.config as RunConfig, runDir, persister);
    } finally {
      lease.release();
    }
  }

  private async executeHeld(cur: Current, store: ProjectStore, extras: ReturnType<typeof runExtrasRepo>, config: RunConfig, runDir: string, persister: RunPersister): Promise<void> {
    const { project, runId } = cur;
    const choice = chooseResumePoint(store, runId);
    if (choice.damaged.length) {
      if (!choice.from && !cur.restartStage) {
        const message = refusal(store, runId, choice.damaged).message;
        persister.log('error', message);
        this.setStatus(project, runId, 'failed', message);
        return;
      }
      const instead = choice.from ? `resuming from the previous intact checkpoint ${choice.from.path} instead` : 'restarting the run from its first stage, as asked';
      persister.log('warn', `${describeDamage(store, runId, choice.damaged)}; it is set aside (renamed *.damaged), ${instead}`);
      setAsideDamaged(store, choice.damaged, (m) => persister.log('warn', m));
    }
    const latest = choice.from;
    extras.clearError(runId);
    if (latest) {
      extras.resetStagesFrom(runId, latest.final ? latest.stageIdx + 1 : latest.stageIdx);
    } else extras.resetStagesFrom(runId, 0);
    this.setStatus(project, runId, 'running', null);
    const params: ExecuteParams = {
      runId, runDir, cacheRoot: join(store.folder, 'cache'), config, resumeFrom: latest?.path ?? null, resumeSha256: latest?.sha256 ?? null,
    };
    try {
      const result = await this.engine.request('run.execute', params, { onEvent: persister.onEvent, signal: cur.controller.signal });
      persister.flush();
      if (result.status === 'paused') {
        extras.endRunningStage(runId, 'pending');
        this.setStatus(project, runId, cur.intent === 'cancel' ? 'cancelled' : 'paused', null);
      } else {
        if (result.summary) store.runs.setSummary(runId, result.summary);
        this.setStatus(project, runId, 'completed', null);
      }
    } catch (e) {
      persister.flush();
      const err = e as { code?: string; message?: string };
      const message = err.message ?? String(e);
      if (err.code === 'engine_crashed') {
        extras.endRunningStage(runId, 'interrupted');
        persister.log('error', message);
        this.setStatus(project, runId, cur.intent === 'cancel' ? 'cancelled' : 'interrupted', message);
      } else if (err.code === 'cancelled') {
        extras.endRunningStage(runId, 'pending');
        this.setStatus(project, runId, cur.intent === 'pause' ? 'paused' : 'cancelled', null);
      } else {
        extras.endRunningStage(runId, 'failed');
        persister.log('error', message);
        this.setStatus(project, runId, 'failed', message);
      }
    }
  }
}
