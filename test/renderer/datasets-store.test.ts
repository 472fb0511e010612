import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { setApi } from '../../src/renderer/src/api/client';
import { useDatasetsStore } from '../../src/renderer/src/stores/datasets';
import { testClient, type TestClient } from './client';

const PROJECT = '/data/leaves';
const health = { total: 3, readable: 2, problems: [{ path: 'a/bad.png', reason: 'not an image' }], duplicates: [], leakageCount: 0, classes: { a: 2 }, imbalanceRatio: 1, byRole: { labeled: 3 }, smallImages: { threshold: 32, count: 0, examples: [] }, unusualModes: [], size: { minSide: 40, medianShortSide: 40, maxSide: 40 }, suggestedResolution: 64, notes: [] };
const ds = { id: 1, name: 'leaves', kind: 'labeled-folder' as const, root: '/data/x', scannedAt: '2026-01-01', total: 3, readable: 2, classes: { a: 2 } };

describe('datasets store', () => {
  let client: TestClient;
  let imported = false;
  beforeEach(() => {
    setActivePinia(createPinia());
    imported = false;
    client = testClient({
      'datasets.list': async () => (imported ? [ds] : []),
      'datasets.health': async () => health,
      'datasets.import': async ({ project, path }) => {
        if (path === '/missing') throw Object.assign(new Error('/missing does not exist.'), { code: 'not_found' });
        client.emit('datasets.scanProgress', { project, datasetId: 1, progress: { done: 3, read: 3, unchanged: 0, errors: 1, total: 3, rate: 10, etaSeconds: 0, elapsedSeconds: 0.3 } });
        imported = true;
        return { dataset: ds, report: health };
      },
      'datasets.remove': async ({ datasetId }) => {
        const removed = imported && datasetId === 1;
        imported = false;
        return { removed };
      },
      'datasets.augmentPreview': async ({ seed, policy }) => ({ policy, size: 112, items: [{ relPath: `a/${seed}.png`, label: 'a', original: 'data:,o', views: ['data:,1', 'data:,2'] }] }),
    });
    setApi(client);
  });

  it('imports with scan progress, then holds the list and the health report', async () => {
    const store = useDatasetsStore();
    await store.load(PROJECT);
    expect(store.list).toEqual([]);
    const d = await store.importData('labeled-folder', '/data/x');
    expect(d?.id).toBe(1);
    expect(store.progress).toMatchObject({ done: 3, errors: 1 });
    expect(store.health?.problems[0].path).toBe('a/bad.png');
    expect(store.list).toHaveLength(1);
    expect(store.scanning).toBe(false);
  });

  it('keeps the error of a failed import for the view', async () => {
    const store = useDatasetsStore();
    await store.load(PROJECT);
    expect(await store.importData('labeled-folder', '/missing')).toBeUndefined();
    expect(store.error).toContain('/missing does not exist');
  });

  it('draws a new augmentation preview per seed, validated by the contract', async () => {
    const store = useDatasetsStore();
    await store.load(PROJECT);
    await store.loadPreview(1, 'byol', 3);
    expect(store.preview[0].relPath).toBe('a/3.png');
    const call = client.calls.find((c) => c.method === 'datasets.augmentPreview');
    expect(call?.input).toMatchObject({ project: PROJECT, datasetId: 1, policy: 'byol', seed: 3 });
  });

  it('keeps the health of each dataset apart and forgets a removed dataset', async () => {
    const store = useDatasetsStore();
    await store.load(PROJECT);
    await store.importData('labeled-folder', '/data/x');
    await store.loadHealthOf(1);
    expect(store.healthOf[1]?.total).toBe(3);
    expect(client.calls.find((c) => c.method === 'datasets.health' && (c.input as { datasetId?: number }).datasetId === 1)).toBeTruthy();
    expect(await store.remove(1)).toBe(true);
    expect(store.list).toEqual([]);
    expect(store.healthOf[1]).toBeUndefined();
    expect(store.health).toBeNull();
  });
});
