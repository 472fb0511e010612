/**
 * The run queue on the real engine: two runs of one group queued, the first paused mid-stage
 * (at a checkpoint), the second cancelled while waiting, then the first resumed to the end.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodeApp } from '../../../src/main/node-app';

const FM = '/usr/share/datasets/fashion-mnist';
const app = createNodeApp('cli', mkdtempSync(join(tmpdir(), 'attune-home-')));
afterAll(() => app.shutdown());

describe.skipIf(!existsSync(`${FM}/t10k-images-idx3-ubyte.gz`))('run queue', () => {
  it('runs one at a time; pause checkpoints and resumes, cancel of a waiting run never starts it', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'attune-queue-')), 'p');
    app.projects.create('queue', dir);
    const recipe = {
      name: 'queued', recipe: 'hpt-bn',
      backbone: { arch: 'small-resnet', weights: null, config: { widths: [8, 16], blocks: 1 } },
      data: { idx: { images: `${FM}/t10k-images-idx3-ubyte.gz`, labels: `${FM}/t10k-labels-idx1-ubyte.gz`, classes: [0, 1], limit: 64 }, size: 16 },
      batchSize: 8, seeds: [3, 4], checkpointEvery: 2, logEvery: 1,
      stages: { pretrain: { steps: 6, queueSize: 32 }, finetune: { epochs: 1, maxStepsPerEpoch: 2 } },
    };
    const events: string[] = [];
    const { groupId, runIds } = app.runs.start({ project: dir, recipe });
    const [first, second] = runIds;
    expect(app.runs.list(dir).map((r) => [r.id, r.groupId, r.queuePosition])).toEqual(expect.arrayContaining([[first, groupId, 0], [second, groupId, 1]]));
    let paused: Promise<unknown> | undefined;
    app.setEventSink((event, payload) => {
      const p = payload as { runId: string; status?: string; stageIdx?: number; step?: number };
      if (event === 'runs.status') events.push(`${p.runId === first ? 'A' : 'B'}:${p.status}`);
      if (!paused && event === 'runs.stageProgress' && p.runId === first && p.stageIdx === 1 && (p.step ?? 0) >= 3) paused = app.runs.pause(dir, first);
    });
    expect((await app.runs.cancel(dir, second)).status).toBe('cancelled');
    const a = await app.runs.waitFor(dir, first);
    await paused;
    expect(a.error).toBeNull();
    expect(a.status).toBe('paused');
    const detail = app.runs.get(dir, first);
    expect(detail.stages[1].status).toBe('pending');
    const last = detail.checkpoints.at(-1)!;
    expect(last.stageIdx).toBe(1);
    expect(last.step).toBeGreaterThanOrEqual(3);
    expect(app.runs.get(dir, second).stages.every((s) => s.status === 'pending')).toBe(true);
    await expect(app.dispatch('runs.pause', { project: dir, runId: first })).resolves.toMatchObject({ ok: false, error: { code: 'validation' } });
    expect(app.runs.resume(dir, first).queuePosition).not.toBeNull();
    const done = await app.runs.waitFor(dir, first);
    expect(done.status).toBe('completed');
    const steps = app.runs.metrics(dir, first, ['ssl_loss'])[0].points.map((p) => p[0]);
    expect(steps).toEqual([1, 2, 3, 4, 5, 6]);
    expect(events).toEqual(['B:cancelled', 'A:paused', 'A:queued', 'A:running', 'A:completed']);
    const series = await app.dispatch('runs.metrics', { project: dir, runId: first, names: ['val_loss', 'train_loss'], maxPoints: 2 });
    expect(series.ok).toBe(true);
    expect((series as { value: { name: string; points: unknown[] }[] }).value.map((s) => s.name).sort()).toEqual(['train_loss', 'val_loss']);
  });

  it('HPT source selection scores each candidate source and keeps the best for the source stage', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'attune-select-')), 'p');
    app.projects.create('select', dir);
    const idx = (classes: number[], limit: number) => ({ idx: { images: `${FM}/t10k-images-idx3-ubyte.gz`, labels: `${FM}/t10k-labels-idx1-ubyte.gz`, classes, limit } });
    const { runIds } = app.runs.start({
      project: dir,
      recipe: {
        name: 'select', recipe: 'hpt-source', backbone: { arch: 'small-resnet', weights: null, config: { widths: [8, 16], blocks: 1 } },
        data: { ...idx([5, 7, 9], 48), source: [idx([0, 2], 24), idx([1, 3], 24)], size: 16 },
        batchSize: 8,
        stages: { source: { steps: 2, selectionSteps: 2, queueSize: 32 }, pretrain: { steps: 2, queueSize: 32 }, finetune: { epochs: 1, maxStepsPerEpoch: 2 } },
      },
    });
    const done = await app.runs.waitFor(dir, runIds[0]);
    expect(done.error).toBeNull();
    expect(done.status).toBe('completed');
    const file = join(dir, 'runs', runIds[0], 'source-selection.json');
    const sel = JSON.parse(readFileSync(file, 'utf8'));
    expect(sel.ranking).toHaveLength(2);
    expect([0, 1]).toContain(sel.chosen);
    expect(sel.ranking[0].candidate).toBe(sel.chosen);
    expect(sel.ranking[0].score).toBeGreaterThanOrEqual(sel.ranking[1].score);
    expect(app.runs.metrics(dir, runIds[0], ['source_selection_score'])[0].points.map((p) => p[0])).toEqual([1, 2]);
  });
});
