import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProjectStore } from '../../../src/main/store/project-store';
import { compareRuns, formatCompareTable } from '../../../src/main/services/runs/compare';
import { meanStd } from '../../../src/shared/stats';
import { compareHtml } from '../../../src/main/services/runs/compare-html';

function result(loss: number, auc: number, withTta = true) {
  const h = { loss, auc, f1: auc - 0.1, accuracy: auc - 0.05 };
  return { plain: h, tta: withTta ? { ...h, loss: loss - 0.01 } : null, classNames: ['a', 'b'], confusion: [[1, 0], [0, 1]], confusionTta: null, testSize: 2, aucKind: 'one-vs-rest-macro' };
}

function seedRun(store: ProjectStore, id: string, group: string, name: string, r: ReturnType<typeof result> | null, valLoss: number[]) {
  store.runs.create({ id, groupId: group, name, recipe: 'hpt', config: { backbone: { arch: 'small-resnet' } }, seed: 0 },
    [{ name: 'prepare', kind: 'prepare', totalSteps: 1 }, { name: 'finetune', kind: 'finetune', totalSteps: 10 }]);
  store.metrics.putBatch(id, valLoss.map((v, i) => ({ stageIdx: 1, name: 'val_loss', step: (i + 1) * 5, value: v, wallMs: 0 })));
  if (r) {
    store.runs.setSummary(id, r);
    store.runs.setStatus(id, 'completed');
  }
}

describe('run comparison', () => {
  it('aggregates the seeds of a group as mean ± sample std, with TTA, and averages the curves', () => {
    const store = ProjectStore.create(join(mkdtempSync(join(tmpdir(), 'attune-cmp-')), 'p'), 'cmp');
    seedRun(store, 'g1-a', 'g1', 'byol (seed 0)', result(0.4, 0.9), [1.0, 0.8]);
    seedRun(store, 'g1-b', 'g1', 'byol (seed 1)', result(0.6, 0.8), [1.2, 0.6]);
    seedRun(store, 'g2-a', 'g2', 'scratch', result(0.7, 0.7, false), [1.5, 1.4]);
    seedRun(store, 'g3-a', 'g3', 'unfinished', null, []);
    const report = compareRuns(store, ['g3-a'], ['g1', 'g2'], true);
    expect(report.rows.map((r) => r.label)).toEqual(['byol', 'scratch']);
    const byol = report.rows[0];
    expect(byol.plain.loss.mean).toBeCloseTo(0.5, 12);
    expect(byol.plain.loss.std).toBeCloseTo(Math.SQRT2 * 0.1, 12);
    expect(byol.plain.loss.n).toBe(2);
    expect(byol.tta!.loss.mean).toBeCloseTo(0.49, 12);
    expect(report.rows[1].tta).toBeNull();
    expect(report.skipped).toEqual([{ runId: 'g3-a', reason: 'status queued, no results yet' }]);
    expect(report.curves.find((c) => c.label === 'byol')!.points).toEqual([[5, 1.1], [10, expect.closeTo(0.7, 12)]]);
    const table = formatCompareTable(report);
    expect(table).toMatch(/byol\s+2\s+0\.5000 ± 0\.1414\s+0\.8500 ± 0\.0707/);
    expect(table).toMatch(/scratch\s+1\s+0\.7000\s+0\.7000\s+0\.6000\s+0\.6500\s+—/);
    const html = compareHtml(report);
    expect(html.match(/<polyline/g)).toHaveLength(2);
    expect(html).toContain('0.500 ± 0.141'); // losses with 3 decimals, scores in percent, as in the studio
    expect(html).toContain('85.0% ± 7.1');
    const perRun = compareRuns(store, ['g1-a', 'g1-b'], [], false);
    expect(perRun.rows).toHaveLength(2);
    store.close();
  });

  it('adds the pixels-logreg floor of the runs\' own labels as a row: one per data set, averaged over the runs that measured it', () => {
    const store = ProjectStore.create(join(mkdtempSync(join(tmpdir(), 'attune-cmp-')), 'p'), 'cmp');
    const floorOf = (acc: number) => ({ ...result(0.5, 0.9), floor: { loss: 0.6, auc: 0.9, f1: acc - 0.01, accuracy: acc } });
    const withData = (id: string, group: string, name: string, data: unknown, r: ReturnType<typeof result>) => {
      store.runs.create({ id, groupId: group, name, recipe: 'scratch', config: { backbone: { arch: 'small-resnet' }, data }, seed: 0 },
        [{ name: 'prepare', kind: 'prepare', totalSteps: 1 }, { name: 'finetune', kind: 'finetune', totalSteps: 10 }]);
      store.runs.setSummary(id, r);
      store.runs.setStatus(id, 'completed');
    };
    withData('a0', 'ga', 'scratch (seed 0)', { labeled: 'x' }, floorOf(0.8));
    withData('a1', 'ga', 'scratch (seed 1)', { labeled: 'x' }, floorOf(0.7));
    withData('old', 'gb', 'before the floor', { labeled: 'x' }, result(0.5, 0.9)); // measured nothing
    const one = compareRuns(store, [], ['ga', 'gb'], true);
    const floor = one.rows.filter((r) => r.kind === 'floor');
    expect(floor).toHaveLength(1);
    expect(floor[0].label).toBe('pixels-logreg');
    expect([...floor[0].runIds].sort()).toEqual(['a0', 'a1']);
    expect(floor[0].plain.accuracy.mean).toBeCloseTo(0.75, 12);
    expect(one.rows.filter((r) => r.kind === 'run').map((r) => r.label)).toEqual(['scratch', 'before the floor']);
    expect(formatCompareTable(one)).toMatch(/pixels-logreg\s+2\s+0\.6000/);
    withData('c0', 'gc', 'other data', { labeled: 'y' }, floorOf(0.5));
    const two = compareRuns(store, [], ['ga', 'gc'], true).rows.filter((r) => r.kind === 'floor');
    expect(two.map((r) => r.label)).toEqual(['pixels-logreg (data of scratch)', 'pixels-logreg (data of other data)']);
    store.close();
  });

  it('shows the linear probe of runs that took one, as its own column', () => {
    const store = ProjectStore.create(join(mkdtempSync(join(tmpdir(), 'attune-cmp-')), 'p'), 'cmp');
    const probed = (acc: number) => ({ ...result(0.5, 0.9), linearProbe: { loss: 0.7, auc: 0.8, f1: acc - 0.02, accuracy: acc, confusion: [[1, 0], [0, 1]] } });
    seedRun(store, 'h0', 'gh', 'hpt (seed 0)', probed(0.6), []);
    seedRun(store, 'h1', 'gh', 'hpt (seed 1)', probed(0.8), []);
    seedRun(store, 's0', 'gs', 'scratch', result(0.5, 0.9), []);
    const report = compareRuns(store, [], ['gh', 'gs'], true);
    expect(report.rows[0].probe!.accuracy.mean).toBeCloseTo(0.7, 12);
    expect(report.rows[1].probe).toBeNull();
    const table = formatCompareTable(report);
    expect(table.split('\n')[0]).toMatch(/Linear probe acc$/);
    expect(table).toMatch(/hpt\s+2 .*0\.7000 ± 0\.1414$/m);
    expect(formatCompareTable(compareRuns(store, [], ['gs'], true))).not.toMatch(/Linear probe/);
    store.close();
  });

  it('mean ± std of one value has std 0, of none NaN', () => {
    expect(meanStd([3])).toEqual({ mean: 3, std: 0, n: 1 });
    expect(meanStd([]).n).toBe(0);
  });
});
