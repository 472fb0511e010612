import { describe, expect, it } from 'vitest';
import { formatDuration, fromSeries, insertPoint, mergePoints, runLine, seriesKey, stageOffsets, type Point } from '../../src/renderer/src/charts/series';
import { adviceFor, chartLines, MONITOR_CHARTS } from '../../src/renderer/src/charts/monitor';

describe('metric series of the monitor', () => {
  it('appends in order, inserts out-of-order steps and replaces a re-logged step', () => {
    const pts: Point[] = [];
    insertPoint(pts, 10, 1);
    insertPoint(pts, 20, 2);
    insertPoint(pts, 15, 1.5);
    insertPoint(pts, 20, 2.5);
    insertPoint(pts, 5, 0.5);
    expect(pts).toEqual([[5, 0.5], [10, 1], [15, 1.5], [20, 2.5]]);
  });

  it('merges event batches per stage and metric, skipping non-finite values', () => {
    const store = new Map<string, Point[]>();
    const touched = mergePoints(store, [
      { stageIdx: 1, name: 'ssl_loss', step: 5, value: 4 },
      { stageIdx: 1, name: 'ssl_loss', step: 10, value: 3 },
      { stageIdx: 2, name: 'train_loss', step: 5, value: 1 },
      { stageIdx: 2, name: 'train_loss', step: 10, value: Number.NaN },
    ]);
    expect([...touched].sort()).toEqual([seriesKey(1, 'ssl_loss'), seriesKey(2, 'train_loss')]);
    expect(store.get('1:ssl_loss')).toEqual([[5, 4], [10, 3]]);
    expect(store.get('2:train_loss')).toEqual([[5, 1]]);
  });

  it('lays stages end to end on one axis', () => {
    const store = fromSeries([
      { stageIdx: 1, stage: 'pretrain', name: 'lr', points: [[0, 0.1], [100, 0.05]] },
      { stageIdx: 2, stage: 'finetune', name: 'lr', points: [[0, 0.01], [20, 0.001]] },
    ]);
    const offsets = stageOffsets([{ totalSteps: 0 }, { totalSteps: 100 }, { totalSteps: 20 }]);
    expect(offsets).toEqual([0, 0, 100]);
    expect(runLine(store, 'lr', offsets)).toEqual([[0, 0.1], [100, 0.05], [100, 0.01], [120, 0.001]]);
  });

  it('grows to thousands of points in order without copying per point', () => {
    const store = new Map<string, Point[]>();
    for (let b = 0; b < 100; b++) mergePoints(store, Array.from({ length: 50 }, (_, i) => ({ stageIdx: 0, name: 'ssl_loss', step: b * 50 + i, value: Math.sin(b * 50 + i) })));
    const arr = store.get('0:ssl_loss')!;
    expect(arr.length).toBe(5000);
    expect(arr.every((p, i) => p[0] === i)).toBe(true);
    const loss = MONITOR_CHARTS.find((c) => c.id === 'loss')!;
    expect(chartLines(loss, store, [0])).toHaveLength(1);
    expect(chartLines(loss, store, [0])[0].name).toBe('self-supervised');
  });

  it('formats durations and gives advice for failures', () => {
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(200)).toBe('3 min 20 s');
    expect(formatDuration(3840)).toBe('1 h 04 min');
    expect(formatDuration(null)).toBe('—');
    expect(adviceFor('engine ran out of memory')[0]).toMatch(/batch size/);
    expect(adviceFor('ENOSPC: no space left on device')[0]).toMatch(/disk is full/);
    expect(adviceFor('something odd')[0]).toMatch(/Resume/);
  });
});
