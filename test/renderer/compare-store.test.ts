import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { setApi } from '../../src/renderer/src/api/client';
import { useCompareStore } from '../../src/renderer/src/stores/compare';
import { testClient, type TestClient } from './client';

const PROJECT = '/data/leaves';
const ms = (mean: number) => ({ mean, std: 0, n: 1 });
const evaluation = (auc: number) => ({ aucKind: 'positive-vs-negative', classAuc: [auc, null], roc: { fpr: [0, 0.5, 1], tpr: [0, 0.8, 1] }, ci: null });

describe('compare store', () => {
  let client: TestClient;
  beforeEach(() => {
    setActivePinia(createPinia());
    client = testClient({
      'runs.compare': async ({ runIds, byGroup }) => ({
        rows: runIds.map((id) => ({ label: byGroup ? `group of ${id}` : id, kind: 'run' as const, recipe: 'hpt', backbone: 'small-resnet', runIds: [id], plain: { loss: ms(0.5), auc: ms(0.9), f1: ms(0.8), accuracy: ms(0.85) }, tta: null })),
        curves: [{ label: 'a', metric: 'val_loss', stage: 'finetune', points: [[1, 0.7], [2, 0.6]] }],
        skipped: [],
      }),
      'studio.runEvaluation': async ({ runId }) => {
        if (runId === 'b') throw Object.assign(new Error('run "b" has no evaluation yet'), { code: 'not_found' });
        return { classNames: ['healthy', 'sick'], plain: evaluation(0.9), tta: null };
      },
      'runs.cellImages': async ({ trueClass, predictedClass }) => [
        { index: 3, key: 'x/3.png', label: String(trueClass), predicted: String(predictedClass), probability: 0.9, loss: 2.3, thumbnail: 'data:,' },
      ],
    });
    setApi(client);
  });

  it('compares the selection per run or per group, with the evaluations that exist', async () => {
    const store = useCompareStore();
    store.selected = ['a', 'b'];
    store.byGroup = false;
    await store.compare(PROJECT);
    expect(store.report?.rows.map((r) => r.label)).toEqual(['a', 'b']);
    expect(Object.keys(store.evaluations)).toEqual(['a']);
    expect(store.evaluations.a.plain.roc?.tpr).toEqual([0, 0.8, 1]);
    expect(client.calls.find((c) => c.method === 'runs.compare')?.input).toMatchObject({ runIds: ['a', 'b'], byGroup: false });
  });

  it('opens and closes a confusion-matrix cell', async () => {
    const store = useCompareStore();
    await store.openCell(PROJECT, 'a', 1, 0, true);
    expect(store.cell).toEqual({ runId: 'a', trueClass: 1, predictedClass: 0, tta: true });
    expect(store.cellImages[0].loss).toBe(2.3);
    expect(client.calls.find((c) => c.method === 'runs.cellImages')?.input).toMatchObject({ trueClass: 1, predictedClass: 0, tta: true });
    store.closeCell();
    expect(store.cell).toBeNull();
    expect(store.cellImages).toEqual([]);
  });
});
