/**
 * A tiny recipe end to end on the real engine process (wasm): Fashion-MNIST IDX subset,
 * small-resnet, BYOL → freeze/unfreeze → evaluate with TTA, into a real project folder. Then
 * the same recipe with the engine killed after its first checkpoint, resumed, and compared.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodeApp, type NodeApp } from '../../../src/main/node-app';
import type { MetricSeries, RunSummary } from '../../../src/shared/schemas/run';
import { memoryIo } from '../../../src/cli/io';
import { run as compareCli } from '../../../src/cli/commands/compare';
import { run as runsCli } from '../../../src/cli/commands/runs';

const FM = '/usr/share/datasets/fashion-mnist';
const recipe = {
  name: 'tiny-blog',
  recipe: 'blog',
  backbone: { arch: 'small-resnet', weights: null, config: { widths: [8, 16], blocks: 1 } },
  data: { idx: { images: `${FM}/t10k-images-idx3-ubyte.gz`, labels: `${FM}/t10k-labels-idx1-ubyte.gz`, classes: [5, 7, 9], limit: 96 }, size: 16, split: { val: 0.2, test: 0.25 }, negativeClass: 'Sandal' },
  batchSize: 8,
  checkpointEvery: 3,
  logEvery: 1,
  stages: { pretrain: { steps: 8 }, finetune: { headEpochs: 1, epochs: 1, maxStepsPerEpoch: 3 } },
};

let dir: string;
let home: string;
let app: NodeApp;
let runA: RunSummary;

function series(runId: string, name: string): MetricSeries {
  const s = app.runs.metrics(dir, runId).find((m) => m.name === name);
  if (!s) throw new Error(`no metric ${name}`);
  return s;
}

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'attune-home-'));
  dir = join(mkdtempSync(join(tmpdir(), 'attune-runs-')), 'project');
  app = createNodeApp('cli', home);
  app.projects.create('runs test', dir);
});

afterAll(async () => {
  await app?.shutdown();
});

describe.skipIf(!existsSync(`${FM}/t10k-images-idx3-ubyte.gz`))('runs end to end', () => {
  it('runs a tiny recipe through the queue into the project folder', async () => {
    const { runIds } = app.runs.start({ project: dir, recipe });
    runA = await app.runs.waitFor(dir, runIds[0]);
    expect(runA.error).toBeNull();
    expect(runA.status).toBe('completed');
    const detail = app.runs.get(dir, runA.id);
    expect(detail.stages.map((s) => [s.name, s.status])).toEqual([['prepare', 'completed'], ['pretrain', 'completed'], ['finetune', 'completed'], ['evaluate', 'completed']]);
    // the prepare stage counts the images it decodes (96 here, a fresh cache)
    expect(detail.stages[0]).toMatchObject({ totalSteps: 96, doneSteps: 96 });
    expect(detail.stages[1].doneSteps).toBe(8);
    expect(detail.config.stages[1]).toMatchObject({ kind: 'pretrain', method: 'byol', totalSteps: 8 });
    for (const c of detail.checkpoints) expect(existsSync(c.path)).toBe(true);
    // stage ends are kept; a mid-stage checkpoint only while it is the newest
    expect(detail.checkpoints.map((c) => `${c.stageIdx}:${c.step}`)).toEqual(['1:8', '2:6']);
    expect(readdirSync(join(dir, 'runs', runA.id)).filter((f) => f.startsWith('ckpt-')).sort()).toEqual(['ckpt-s1-0000008-end.safetensors', 'ckpt-s2-0000006-end.safetensors']);
    expect(series(runA.id, 'ssl_loss').points.map((p) => p[0])).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(series(runA.id, 'val_auc').points.length).toBe(2);
    const r = runA.result!;
    expect(r.classNames).toEqual(['Sandal', 'Sneaker', 'Ankle boot']);
    expect(r.aucKind).toBe('positive-vs-negative');
    expect(r.testSize).toBe(24);
    expect(r.tta).not.toBeNull();
    expect(r.confusion.flat().reduce((a, b) => a + b, 0)).toBe(24);
    for (const v of [r.plain.loss, r.plain.auc, r.plain.f1, r.plain.accuracy]) expect(Number.isFinite(v)).toBe(true);
    // the pretrain stage's backbone is saved for other recipes' backbone.weights (pretrain.safetensors)
    expect(detail.artifacts.map((x) => x.kind).sort()).toEqual(['backbone', 'evaluation', 'model', 'predictions', 'split']);
    expect(detail.artifacts.find((x) => x.kind === 'backbone')!.path).toMatch(/pretrain\.safetensors$/);
    expect(existsSync(join(dir, 'runs', runA.id, 'model.attune.json'))).toBe(true);
    const split = JSON.parse(readFileSync(join(dir, 'runs', runA.id, 'split.json'), 'utf8'));
    expect(split.test).toHaveLength(24);
    // the same split is recorded in the project database, with the run's split settings
    const stored = app.projects.get(dir).splits.get(runA.id)!;
    expect([stored.train.length, stored.val.length, stored.test.length]).toEqual([split.train.length, split.val.length, split.test.length]);
    expect(stored).toMatchObject({ classNames: split.classNames, train: split.train, val: split.val, test: split.test, spec: { split: recipe.data.split, labelBudget: 'all' } });
    expect(stored.seed).toBe(detail.config.data.seed);
    // the worst images of the largest off-diagonal (or diagonal) cell, with thumbnails from the IDX file
    const cm = r.confusion;
    let best = [0, 0];
    cm.forEach((row, i) => row.forEach((n, j) => (n > cm[best[0]][best[1]] ? (best = [i, j]) : 0)));
    const reply = await app.dispatch('runs.cellImages', { project: dir, runId: runA.id, trueClass: best[0], predictedClass: best[1], limit: 5 });
    expect(reply.ok).toBe(true);
    const cells = (reply as { value: { loss: number; thumbnail: string; label: string }[] }).value;
    expect(cells.length).toBe(Math.min(5, cm[best[0]][best[1]]));
    for (let i = 1; i < cells.length; i++) expect(cells[i - 1].loss).toBeGreaterThanOrEqual(cells[i].loss);
    expect(cells[0].thumbnail).toMatch(/^data:image\/png;base64,/);
    expect(cells[0].label).toBe(r.classNames[best[0]]);
  });

  it('resumes after the engine is killed, with no lost or duplicated metric steps', async () => {
    const { runIds } = app.runs.start({ project: dir, recipe });
    const id = runIds[0];
    const store = app.projects.get(dir);
    let killed = false;
    app.setEventSink((event, payload) => {
      const p = payload as { runId?: string; stageIdx?: number; step?: number };
      if (!killed && event === 'runs.stageProgress' && p.runId === id && p.stageIdx === 1 && (p.step ?? 0) >= 5 && store.checkpoints.list(id).length > 0) {
        killed = true;
        app.engine.kill();
      }
    });
    const interrupted = await app.runs.waitFor(dir, id);
    expect(killed).toBe(true);
    expect(interrupted.status).toBe('interrupted');
    expect(interrupted.error).toMatch(/engine process was killed/);
    expect(app.runs.get(dir, id).stages[1].status).toBe('interrupted');
    const latest = store.checkpoints.latest(id)!;
    expect(latest.stageIdx).toBe(1); // killed inside pretrain, after a mid-stage checkpoint
    expect([3, 6]).toContain(latest.step);
    app.setEventSink(() => {});
    app.runs.resume(dir, id);
    const done = await app.runs.waitFor(dir, id);
    expect(done.error).toBeNull();
    expect(done.status).toBe('completed');
    expect(app.runs.get(dir, id).stages.every((s) => s.status === 'completed')).toBe(true);
    for (const name of ['ssl_loss', 'lr', 'train_loss', 'val_loss']) {
      const a = series(runA.id, name).points;
      const b = series(id, name).points;
      expect(b.map((p) => p[0])).toEqual(a.map((p) => p[0]));
      // same seed, same batches, same schedule: the resumed run repeats the uninterrupted one
      b.forEach((p, i) => expect(p[1]).toBeCloseTo(a[i][1], 4));
    }
    const rows = store.db.prepare('SELECT COUNT(*) AS n FROM metrics WHERE run_id = ? AND name = ?').get(id, 'ssl_loss') as { n: number };
    expect(rows.n).toBe(8);
    expect(done.result!.plain.accuracy).toBeCloseTo(runA.result!.plain.accuracy, 6);
  });

  it('compares the two runs (table and HTML with curves) through the CLI', async () => {
    const runs = app.runs.list(dir);
    expect(runs).toHaveLength(2);
    process.env.ATTUNE_HOME = home;
    const html = join(dir, 'compare.html');
    const io = memoryIo();
    expect(await compareCli([runs[0].id.slice(0, 8), runs[1].id.slice(0, 8), '--project', dir, '--html', html, '--by-run'], io)).toBe(0);
    const table = io.stdout.join('\n');
    expect(table).toMatch(/Model\s+n\s+Loss\s+AUC\s+F1\s+Accuracy\s+Loss \(TTA\)/);
    expect(table.split('\n').filter((l) => l.startsWith('tiny-blog'))).toHaveLength(2);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('<svg');
    expect(page).toContain('val_loss');
    const json = memoryIo();
    expect(await compareCli([runs[0].id, '--project', dir, '--json'], json)).toBe(0);
    expect(JSON.parse(json.stdout[0]).rows[0].plain.auc.n).toBe(1);
    const list = memoryIo();
    expect(await runsCli(['--project', dir], list)).toBe(0);
    expect(list.stdout[0]).toMatch(/completed/);
  });
});
