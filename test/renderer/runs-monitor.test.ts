import { describe, expect, it } from 'vitest';
import type { ResolvedStage, RunDetail, StageInfo } from '../../src/shared/schemas/run';
import { fromSeries, runLine, stageOffsets } from '../../src/renderer/src/charts/series';
import { runEtaSeconds, stageSeconds, stepCost } from '../../src/renderer/src/charts/eta';
import { finalStage, runTiles } from '../../src/renderer/src/charts/tiles';
import { chartLines, MONITOR_CHARTS } from '../../src/renderer/src/charts/monitor';
import { loadPeaks, recordPeak, savePeaks } from '../../src/renderer/src/stores/peak-memory';

const stage = (idx: number, name: string, kind: string, status: StageInfo['status'], totalSteps: number, doneSteps: number, seconds: number | null): StageInfo =>
  ({ idx, name, kind, status, totalSteps, doneSteps, startedAt: null, finishedAt: null, seconds });

// the example's shape: prepare decoded 3000 images, two MoCo stages, a fine-tune, an evaluation
const stages = [
  stage(0, 'prepare', 'prepare', 'completed', 3000, 3000, 5),
  stage(1, 'source', 'pretrain', 'completed', 60, 60, 60),
  stage(2, 'pretrain', 'pretrain', 'running', 120, 40, 40),
  stage(3, 'finetune', 'finetune', 'pending', 500, 0, null),
  stage(4, 'evaluate', 'evaluate', 'pending', 1, 0, null),
];
const config = [
  { kind: 'prepare', name: 'prepare', totalSteps: 0 },
  { kind: 'pretrain', name: 'source', totalSteps: 60 },
  { kind: 'pretrain', name: 'pretrain', totalSteps: 120 },
  { kind: 'finetune', name: 'finetune', totalSteps: 500, batchSize: 32 },
  { kind: 'evaluate', name: 'evaluate', totalSteps: 1 },
] as unknown as ResolvedStage[];

describe('the run monitor', () => {
  it('counts the step axis from 0 over training steps, as the Step tile does (the decoded images take no room)', () => {
    const offsets = stageOffsets(stages);
    expect(offsets).toEqual([0, 0, 60, 180, 680]);
    const store = fromSeries([
      { stageIdx: 1, stage: 'source', name: 'ssl_loss', points: [[5, 4.8], [60, 6]] },
      { stageIdx: 2, stage: 'pretrain', name: 'ssl_loss', points: [[5, 5]] },
    ]);
    const line = runLine(store, 'ssl_loss', offsets);
    expect(line[0]).toEqual([5, 4.8]);
    expect(line.at(-1)).toEqual([65, 5]);
  });

  it('ticks the running stage between reads and keeps finished stages as stored', () => {
    expect(stageSeconds(stages[2], 1_000, 11_000)).toBe(50);
    expect(stageSeconds(stages[1], 1_000, 11_000)).toBe(60);
    expect(stageSeconds({ status: 'running', seconds: null }, 1_000, 4_000)).toBe(3);
    expect(stageSeconds(stages[3], 1_000, 11_000)).toBeNull();
  });

  it('estimates the whole run: the running stage plus every pending one at the measured pace', () => {
    // 100 pretrain steps in 100 s: 1 s per step of 2.5 × 32 images → a 32-image fine-tune step takes 0.4 s
    expect(stepCost(stages[2], config[2], 32)).toBe(80);
    expect(stepCost(stages[3], config[3], 32)).toBe(32);
    expect(stepCost(stages[4], config[4], 32)).toBe(0);
    const eta = runEtaSeconds(stages, config, 32, { stageIdx: 2, step: 40, totalSteps: 120, etaSeconds: 80 }, (s) => s.seconds);
    expect(eta).toBeCloseTo(80 + 500 * 0.4, 6);
    // without the stage's own ETA, its remaining steps at the same pace
    expect(runEtaSeconds(stages, config, 32, null, (s) => s.seconds)).toBeCloseTo(80 + 200, 6);
    // nothing timed yet (still decoding): no guess
    expect(runEtaSeconds([stage(0, 'prepare', 'prepare', 'running', 3000, 100, 2), stages[3]], config, 32, null, (s) => s.seconds)).toBeNull();
  });

  it('shows a finished run\'s own final stage, step and peak memory, never the engine\'s memory now', () => {
    const done = stages.map((s) => ({ ...s, status: 'completed' as const, doneSteps: s.totalSteps, seconds: s.seconds ?? 10 }));
    done[3] = { ...done[3], doneSteps: 310 }; // stopped early
    const run = { id: 'r', status: 'completed', finishedAt: '2026-01-01T10:00:00Z', stages: done, config: { stages: config, batchSize: 32, accumulate: 1 } } as unknown as RunDetail;
    const tiles = Object.fromEntries(runTiles(run, { live: null, readAtMs: 0, nowMs: 0, memoryBytes: 900 * 2 ** 20, peakBytes: 512 * 2 ** 20 }).map((t) => [t.id, t]));
    expect(finalStage(done)?.name).toBe('evaluate');
    expect(tiles.stage.value).toBe('evaluate');
    expect(tiles.step).toMatchObject({ label: 'Step (finetune)', value: '310 / 500' });
    expect(tiles.memory).toMatchObject({ label: 'Peak memory', value: '512 MB' });
    const failed = { ...run, status: 'failed', stages: stages.map((s) => (s.idx === 2 ? { ...s, status: 'failed' as const } : s)) } as RunDetail;
    const f = Object.fromEntries(runTiles(failed, { live: null, readAtMs: 0, nowMs: 0, memoryBytes: 900 * 2 ** 20 }).map((t) => [t.id, t]));
    expect(f.stage).toMatchObject({ label: 'Stopped in', value: 'pretrain' });
    expect(f.step.value).toBe('40 / 120');
    expect(f.memory.value).toBe('—');
  });

  it('shows a running run\'s live step, its whole-run ETA and the memory now', () => {
    const run = { id: 'r', status: 'running', finishedAt: null, stages, config: { stages: config, batchSize: 32, accumulate: 1 } } as unknown as RunDetail;
    const tiles = Object.fromEntries(runTiles(run, { live: { stageIdx: 2, stage: 'pretrain', step: 45, totalSteps: 120, etaSeconds: 75, runEtaSeconds: 75 }, readAtMs: 0, nowMs: 5_000, memoryBytes: 497 * 2 ** 20 }).map((t) => [t.id, t]));
    expect(tiles.step.value).toBe('45 / 120');
    expect(tiles['stage-eta'].value).toBe('1 min 15 s');
    expect(tiles['run-eta'].value).not.toBe('1 min 15 s'); // the fine-tune is in it
    expect(tiles.memory.value).toBe('497 MB');
  });

  it('draws train on top of a dashed validation line and explains a rising self-supervised loss', () => {
    const loss = MONITOR_CHARTS.find((c) => c.id === 'loss')!;
    expect(loss.help).toMatch(/rises.*MoCo/);
    const store = fromSeries([
      { stageIdx: 3, stage: 'finetune', name: 'train_loss', points: [[1, 1]] },
      { stageIdx: 3, stage: 'finetune', name: 'val_loss', points: [[1, 1]] },
    ]);
    const [train, val] = chartLines(loss, store, stageOffsets(stages));
    expect(train.name).toBe('train');
    expect(train.z!).toBeGreaterThan(val.z!);
    expect(val.dashed).toBe(true);
    // one point per epoch under the train line: drawn as marks so it still shows
    expect(val.marks).toBe(true);
  });

  it('remembers peak memory per run, raising it only', () => {
    const peaks: Record<string, number> = {};
    expect(recordPeak(peaks, 'a', 100)).toBe(true);
    expect(recordPeak(peaks, 'a', 50)).toBe(false);
    savePeaks(peaks);
    expect(loadPeaks()).toEqual({ a: 100 });
  });
});
