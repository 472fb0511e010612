import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { mkdirSync, mkdtempSync, writeFileSync, copyFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodeApp, type NodeApp } from '../../src/main/node-app';
import type { Reply } from '../../src/shared/api';

let app: NodeApp;
let home: string;
const events: { event: string; payload: unknown }[] = [];

async function png(path: string, seed: number) {
  const px = Buffer.alloc(32 * 32 * 3);
  for (let i = 0; i < px.length; i++) px[i] = (i * 7 + seed * 31) % 256;
  await sharp(px, { raw: { width: 32, height: 32, channels: 3 } }).png().toFile(path);
}

function ok<T>(r: Reply): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'attune-ds-'));
  app = createNodeApp('cli', join(home, 'user-data'));
  app.setEventSink((event, payload) => events.push({ event, payload }));
  for (const cls of ['cat', 'dog']) {
    mkdirSync(join(home, 'labeled', cls), { recursive: true });
    for (let i = 0; i < 4; i++) await png(join(home, 'labeled', cls, `${cls} ${i}.png`), cls.length * 10 + i);
  }
  writeFileSync(join(home, 'labeled', 'cat', 'broken.jpg'), 'not really a jpeg');
  mkdirSync(join(home, 'unlabeled', 'deep'), { recursive: true });
  await png(join(home, 'unlabeled', 'deep', 'u1.png'), 99);
  copyFileSync(join(home, 'labeled', 'dog', 'dog 0.png'), join(home, 'unlabeled', 'leak.png'));
  ok(await app.dispatch('projects.create', { name: 'ds', folder: join(home, 'project') }));
});
afterAll(async () => app.shutdown());

describe('datasets service (engine scan → SQLite)', () => {
  it('imports a labeled folder with progress, stores readable and broken files, counts classes', async () => {
    const { dataset, report } = ok<{ dataset: { id: number; total: number; readable: number; classes: Record<string, number> }; report: { problems: { path: string; reason: string }[] } }>(
      await app.dispatch('datasets.import', { project: join(home, 'project'), kind: 'labeled-folder', path: join(home, 'labeled') }),
    );
    expect(dataset.total).toBe(9);
    expect(dataset.readable).toBe(8);
    expect(dataset.classes).toEqual({ cat: 4, dog: 4 });
    expect(report.problems.map((p) => p.path)).toEqual([expect.stringContaining('broken.jpg')]);
    expect(events.some((e) => e.event === 'datasets.scanProgress')).toBe(true);
  });

  it('calls out a duplicate across labeled and unlabeled as leakage', async () => {
    const { report } = ok<{ report: { leakageCount: number; duplicates: { leakage: boolean; paths: string[] }[] } }>(
      await app.dispatch('datasets.import', { project: join(home, 'project'), kind: 'unlabeled', path: join(home, 'unlabeled') }),
    );
    expect(report.leakageCount).toBeGreaterThanOrEqual(1);
    const leak = report.duplicates.find((d) => d.leakage)!;
    expect(leak.paths.join(' ')).toMatch(/dog 0\.png/);
    expect(leak.paths.join(' ')).toMatch(/leak\.png/);
  });

  it('rescans reading only new files, and returns thumbnails', async () => {
    events.length = 0;
    await png(join(home, 'labeled', 'dog', 'new.png'), 7);
    const { dataset } = ok<{ dataset: { id: number; total: number } }>(
      await app.dispatch('datasets.import', { project: join(home, 'project'), kind: 'labeled-folder', path: join(home, 'labeled') }),
    );
    expect(dataset.total).toBe(10);
    const last = events.filter((e) => e.event === 'datasets.scanProgress').pop()!.payload as { progress: { read: number; unchanged: number } };
    expect(last.progress.read).toBe(1);
    expect(last.progress.unchanged).toBe(9);
    const samples = ok<{ thumbnail: string; label: string }[]>(await app.dispatch('datasets.samples', { project: join(home, 'project'), datasetId: dataset.id, label: 'cat', limit: 3 }));
    expect(samples).toHaveLength(3);
    expect(samples.every((s) => s.label === 'cat' && s.thumbnail.startsWith('data:image/png;base64,'))).toBe(true);
  });

  it('refuses a missing folder and a file given as a folder, naming the path', async () => {
    const missing = await app.dispatch('datasets.import', { project: join(home, 'project'), kind: 'unlabeled', path: join(home, 'nope') });
    expect(missing).toMatchObject({ ok: false, error: { code: 'not_found', message: expect.stringContaining('nope') } });
    const file = await app.dispatch('datasets.import', { project: join(home, 'project'), kind: 'labeled-folder', path: join(home, 'unlabeled', 'leak.png') });
    expect(file).toMatchObject({ ok: false, error: { code: 'validation' } });
  });

  const fmnist = '/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz';
  it.runIf(existsSync(fmnist))('imports Fashion-MNIST test images from IDX with their labels', async () => {
    const { dataset } = ok<{ dataset: { id: number; total: number; classes: Record<string, number> } }>(
      await app.dispatch('datasets.import', { project: join(home, 'project'), kind: 'idx', path: fmnist }),
    );
    expect(dataset.total).toBe(10_000);
    expect(Object.values(dataset.classes)).toEqual(Array(10).fill(1000));
    const samples = ok<{ thumbnail: string }[]>(await app.dispatch('datasets.samples', { project: join(home, 'project'), datasetId: dataset.id, limit: 2, size: 28 }));
    expect(samples[0].thumbnail).toMatch(/^data:image\/png/);
  });
});
