import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import type { RunDetail, RunSummary } from '../../src/shared/schemas/run';
import { setApi } from '../../src/renderer/src/api/client';
import { useRunsStore } from '../../src/renderer/src/stores/runs';
import { testClient, type TestClient } from './client';

const PROJECT = '/data/leaves';
const summary = (id: string, status: RunSummary['status'] = 'running'): RunSummary => ({
  id, groupId: 'g1', name: `run ${id}`, recipe: 'hpt', status, seed: 0, createdAt: '2026-01-01T00:00:00Z', startedAt: null, finishedAt: null, error: null, queuePosition: 0, result: null,
});
const detail = (id: string, status: RunSummary['status'] = 'running') => ({
  ...summary(id, status),
  config: {} as RunDetail['config'],
  stages: [{ idx: 0, name: 'prepare', kind: 'prepare', status: 'completed', totalSteps: 0, doneSteps: 0, startedAt: null, finishedAt: null, seconds: 1 }],
  checkpoints: [],
  artifacts: [],
}) as unknown as RunDetail;

describe('runs store', () => {
  let client: TestClient;
  let statuses: Record<string, RunSummary['status']>;
  beforeEach(() => {
    setActivePinia(createPinia());
    statuses = { r1: 'running', r2: 'queued' };
    client = testClient({
      'runs.list': async () => Object.entries(statuses).map(([id, s]) => summary(id, s)),
      'runs.get': async ({ runId }) => detail(runId, statuses[runId]),
      'runs.metrics': async () => [{ stageIdx: 1, stage: 'pretrain', name: 'ssl_loss', points: [[0, 5], [10, 4]] }],
      'runs.pause': async ({ runId }) => ((statuses[runId] = 'paused'), summary(runId, 'paused')),
    });
    setApi(client);
  });

  it('loads the queue, selects a run and fetches its series', async () => {
    const store = useRunsStore();
    await store.load(PROJECT);
    expect(store.runs.map((r) => r.id)).toEqual(['r1', 'r2']);
    await store.select('r1');
    expect(store.detail?.id).toBe('r1');
    expect(store.series.get('1:ssl_loss')).toEqual([[0, 5], [10, 4]]);
  });

  it('merges live metric events of the selected run only, bumping the version', async () => {
    const store = useRunsStore();
    await store.load(PROJECT);
    await store.select('r1');
    const v = store.seriesVersion;
    client.emit('runs.metrics', { project: PROJECT, runId: 'r1', points: [{ stageIdx: 1, name: 'ssl_loss', step: 20, value: 3 }, { stageIdx: 1, name: 'lr', step: 20, value: 0.1 }] });
    client.emit('runs.metrics', { project: PROJECT, runId: 'r2', points: [{ stageIdx: 1, name: 'ssl_loss', step: 30, value: 9 }] });
    client.emit('runs.metrics', { project: '/other', runId: 'r1', points: [{ stageIdx: 1, name: 'ssl_loss', step: 40, value: 9 }] });
    expect(store.seriesVersion).toBe(v + 1);
    expect(store.series.get('1:ssl_loss')).toEqual([[0, 5], [10, 4], [20, 3]]);
    expect(store.series.get('1:lr')).toEqual([[20, 0.1]]);
  });

  it('tracks stage progress, keeps a bounded log and follows status changes', async () => {
    const store = useRunsStore();
    await store.load(PROJECT);
    await store.select('r1');
    client.emit('runs.stageProgress', { project: PROJECT, runId: 'r1', stageIdx: 1, stage: 'pretrain', status: 'running', step: 7, totalSteps: 50, etaSeconds: 30, runEtaSeconds: 90 });
    expect(store.progress.r1).toMatchObject({ step: 7, totalSteps: 50, runEtaSeconds: 90 });
    for (let i = 0; i < 450; i++) client.emit('runs.log', { project: PROJECT, runId: 'r1', level: 'info', message: `line ${i}`, time: new Date().toISOString() });
    expect(store.logs.length).toBe(400);
    expect(store.logs.at(-1)?.message).toBe('line 449');
    statuses.r1 = 'completed';
    client.emit('runs.status', { project: PROJECT, runId: 'r1', status: 'completed', error: null });
    expect(store.runs.find((r) => r.id === 'r1')?.status).toBe('completed');
    await new Promise((r) => setTimeout(r, 250));
    expect(store.detail?.status).toBe('completed');
  });

  it('pauses through the contract and keeps a failed request as a message', async () => {
    const store = useRunsStore();
    await store.load(PROJECT);
    await store.select('r1');
    await store.control('pause', 'r1');
    expect(client.calls.some((c) => c.method === 'runs.pause')).toBe(true);
    expect(store.runs.find((r) => r.id === 'r1')?.status).toBe('paused');
    await store.control('cancel', 'r1');
    expect(store.error).toBeTruthy();
  });
});
