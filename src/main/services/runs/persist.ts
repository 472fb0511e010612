/**
 * Turns the engine's run events into store rows and contract events: stage status and totals,
 * progress with ETA, metric points in batched transactions, checkpoint rows (after the file is
 * in place), artifacts (a split also into the split tables) and log lines (also appended to the
 * run's run.log).
 */
import { appendFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { EventName, EventPayload } from '../../../shared/api';
import type { RunEventMap } from '../../../shared/engine-jobs';
import type { ProjectStore } from '../../store/project-store';
import type { MetricPoint } from '../../store/repos/metrics';
import { runExtrasRepo } from '../../store/repos/run-extras';
import { readSplitFile } from './split-file';
import { assertInsideProject } from '../../store/paths';

export type Emit = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

/** Steps-per-second of a stage measured in this session, for the ETA. */
interface Pace {
  stageIdx: number;
  firstStep: number;
  firstTime: number;
}

/** One run's event sink while it executes. */
export class RunPersister {
  private buffer: MetricPoint[] = [];
  private timer: NodeJS.Timeout | undefined;
  private pace: Pace | undefined;
  private readonly extras;

  constructor(
    private readonly store: ProjectStore,
    private readonly project: string,
    private readonly runId: string,
    private readonly runDir: string,
    private readonly emit: Emit,
  ) {
    this.extras = runExtrasRepo(store.db);
  }

  /** Handles one engine event (unknown names are ignored). */
  onEvent = (name: string, payload: unknown): void => {
    switch (name) {
      case 'metrics': return this.metrics(payload as RunEventMap['metrics']);
      case 'progress': return this.progress(payload as RunEventMap['progress']);
      case 'stage': return this.stage(payload as RunEventMap['stage']);
      case 'checkpoint': return this.checkpoint(payload as RunEventMap['checkpoint']);
      case 'artifact': {
        const a = payload as RunEventMap['artifact'];
        try {
          this.store.artifacts.put(this.runId, a.kind, a.path, a.meta);
        } catch (e) {
          return this.log('error', `the ${a.kind} file ${a.path} was not recorded: ${(e as Error).message}`);
        }
        if (a.kind === 'split') this.recordSplit(a.path);
        return;
      }
      case 'log': {
        const l = payload as RunEventMap['log'];
        return this.log(l.level, l.message);
      }
    }
  };

  /** Writes a log line to run.log and forwards it. */
  log(level: 'info' | 'warn' | 'error', message: string): void {
    const time = new Date().toISOString();
    try {
      appendFileSync(join(this.runDir, 'run.log'), `${time} ${level} ${message}\n`);
    } catch {
      // the run folder may not exist yet (a run that failed before starting)
    }
    this.emit('runs.log', { project: this.project, runId: this.runId, level, message, time });
  }

  /** Stores the run's split.json in the database; a bad file is a warning, the run goes on. */
  private recordSplit(file: string): void {
    try {
      this.store.splits.put(this.runId, readSplitFile(file, this.store.runs.get(this.runId)?.config));
    } catch (e) {
      this.log('warn', `split file ${file} was not recorded in the project database: ${(e as Error).message}`);
    }
  }

  private metrics(m: RunEventMap['metrics']): void {
    const now = Date.now();
    for (const p of m.points) this.buffer.push({ stageIdx: p.stageIdx, name: p.name, step: p.step, value: p.value, wallMs: now });
    if (this.buffer.length >= 500) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), 250);
  }

  /** Writes buffered metric points in one transaction and forwards them. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    this.store.metrics.putBatch(this.runId, batch);
    this.emit('runs.metrics', { project: this.project, runId: this.runId, points: batch.map(({ stageIdx, name, step, value }) => ({ stageIdx, name, step, value })) });
  }

  private stageName(idx: number): string {
    return this.store.runs.stages(this.runId).find((s) => s.idx === idx)?.name ?? String(idx);
  }

  private stage(s: RunEventMap['stage']): void {
    if (s.status === 'running') {
      this.extras.setStageTotal(this.runId, s.stageIdx, s.totalSteps);
      this.store.runs.setStageStatus(this.runId, s.stageIdx, 'running');
    } else {
      this.flush();
      this.store.runs.setStageStatus(this.runId, s.stageIdx, s.status);
      if (s.status === 'completed') this.store.runs.setStageProgress(this.runId, s.stageIdx, this.store.runs.stages(this.runId).find((x) => x.idx === s.stageIdx)?.totalSteps ?? 0);
    }
    const st = this.store.runs.stages(this.runId).find((x) => x.idx === s.stageIdx);
    this.emit('runs.stageProgress', {
      project: this.project, runId: this.runId, stageIdx: s.stageIdx, stage: this.stageName(s.stageIdx), status: s.status,
      step: st?.doneSteps ?? 0, totalSteps: st?.totalSteps ?? s.totalSteps, etaSeconds: null, runEtaSeconds: null,
    });
  }

  private progress(p: RunEventMap['progress']): void {
    this.store.runs.setStageProgress(this.runId, p.stageIdx, p.step);
    const now = Date.now();
    if (!this.pace || this.pace.stageIdx !== p.stageIdx) this.pace = { stageIdx: p.stageIdx, firstStep: p.step, firstTime: now };
    const steps = p.step - this.pace.firstStep;
    const rate = steps > 0 ? steps / ((now - this.pace.firstTime) / 1000) : 0;
    const eta = rate > 0 ? (p.totalSteps - p.step) / rate : null;
    const later = this.store.runs.stages(this.runId).filter((s) => s.idx > p.stageIdx && s.status === 'pending').reduce((n, s) => n + s.totalSteps, 0);
    this.emit('runs.stageProgress', {
      project: this.project, runId: this.runId, stageIdx: p.stageIdx, stage: this.stageName(p.stageIdx), status: 'running',
      step: p.step, totalSteps: p.totalSteps, etaSeconds: eta, runEtaSeconds: eta === null ? null : eta + later / rate,
    });
  }

  private checkpoint(c: RunEventMap['checkpoint']): void {
    this.flush(); // metrics up to the checkpoint are on disk before the checkpoint row
    try {
      this.store.checkpoints.put({ runId: this.runId, stageIdx: c.stageIdx, step: c.step, path: c.path, sha256: c.sha256, byteSize: c.byteSize, final: c.final });
    } catch (e) {
      return this.log('error', `checkpoint ${c.path} was not recorded: ${(e as Error).message}`);
    }
    this.log('info', `checkpoint saved: stage ${this.stageName(c.stageIdx)}, step ${c.step}${c.final ? ' (end of stage)' : ''}`);
    this.prune();
  }

  /**
   * Keeps disk use bounded: every stage-end checkpoint stays, mid-stage ones only while they
   * are the newest of the run (the new file is already in place and recorded). Only files
   * inside the project folder are ever deleted.
   */
  private prune(): void {
    const all = this.store.checkpoints.list(this.runId);
    const newest = all.reduce((a, b) => (b.stageIdx > a.stageIdx || (b.stageIdx === a.stageIdx && b.step > a.step) ? b : a), all[0]);
    for (const c of all) {
      if (c === newest || c.final) continue;
      try {
        rmSync(assertInsideProject(this.store.folder, c.path, `delete an old checkpoint of run ${this.runId}`), { force: true });
        this.extras.deleteCheckpoint(c.id);
      } catch (e) {
        this.log('warn', `could not remove the old checkpoint ${c.path}: ${(e as Error).message}`);
      }
    }
  }
}
