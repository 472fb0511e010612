/**
 * The studio's engine-backed requests through the real dispatcher and a forked engine: the
 * example project, the augmentation preview, the model library and the weight-file check.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { createNodeApp, type NodeApp } from '../../src/main/node-app';

let app: NodeApp;
let home: string;

async function call<T>(method: string, input: unknown): Promise<T> {
  const r = await app.dispatch(method, input);
  if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
  return r.value as T;
}

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'attune-studio-'));
  app = createNodeApp('cli', home);
});
afterAll(async () => {
  await app?.shutdown();
});

type Example = { project: { folder: string; name: string; datasets: number }; datasets: { id: number; name: string; kind: string; total: number; classes: Record<string, number> }[]; recipe: string };

describe('studio requests', () => {
  let example: Example;

  it('creates the example project with its three datasets, and reopens it without importing again', async () => {
    example = await call<Example>('projects.openExample', {});
    expect(example.project.name).toBe('Fashion example');
    expect(example.project.folder).toBe(join(home, 'example-project'));
    expect(example.datasets.map((d) => [d.kind, d.total])).toEqual([['idx', 1000], ['idx', 1500], ['idx', 500]]);
    expect(Object.keys(example.datasets[0].classes).sort()).toEqual(['Ankle boot', 'Bag', 'Sandal', 'Shirt', 'Sneaker']);
    expect(example.recipe).toContain('recipe: hpt-source');
    const again = await call<Example>('projects.openExample', {});
    expect(again.datasets.map((d) => d.id)).toEqual(example.datasets.map((d) => d.id));
    const recent = await call<{ folder: string }[]>('projects.recent', {});
    expect(recent[0].folder).toBe(example.project.folder);
    const check = await call<{ ok: boolean; errors: unknown[] }>('runs.validate', { project: example.project.folder, recipe: example.recipe });
    expect(check.errors).toEqual([]);
    expect(check.ok).toBe(true);
  });

  it('draws two augmented views per image with the data pipeline, new ones for a new seed', async () => {
    const input = { project: example.project.folder, datasetId: example.datasets[0].id, policy: 'byol', count: 3, size: 64 };
    type Preview = { items: { label: string; original: string; views: [string, string] }[] };
    const a = await call<Preview>('datasets.augmentPreview', { ...input, seed: 1 });
    const b = await call<Preview>('datasets.augmentPreview', { ...input, seed: 2 });
    const a2 = await call<Preview>('datasets.augmentPreview', { ...input, seed: 1 });
    expect(a.items).toHaveLength(3);
    const png = (u: string) => Buffer.from(u.replace(/^data:image\/png;base64,/, ''), 'base64');
    const meta = await sharp(png(a.items[0].views[0])).metadata();
    expect([meta.width, meta.height, meta.format]).toEqual([64, 64, 'png']);
    const { data: v1 } = await sharp(png(a.items[0].views[0])).raw().toBuffer({ resolveWithObject: true });
    const { data: v2 } = await sharp(png(a.items[0].views[1])).raw().toBuffer({ resolveWithObject: true });
    expect(Buffer.compare(v1, v2)).not.toBe(0);
    expect(a.items[0].views[0]).not.toBe(b.items[0].views[0]);
    expect(a2.items[0].views[0]).toBe(a.items[0].views[0]);
    const bad = await app.dispatch('datasets.augmentPreview', { ...input, policy: 'sepia' });
    expect(bad.ok).toBe(false);
  });

  it('lists the model library and checks weight files against an architecture', async () => {
    const cat = await call<{ architectures: string[]; entries: { arch: string; url: string }[] }>('models.catalog', {});
    expect(cat.architectures).toContain('small-resnet');
    expect(cat.entries.find((e) => e.arch === 'resnet50')?.url).toMatch(/^https:\/\//);
    const fixture = resolve(__dirname, '..', 'fixtures', 'weights', 'small-resnet.safetensors');
    const fits = await call<{ complete: boolean; matched: number }>('models.checkWeights', { path: fixture, arch: 'small-resnet', config: { widths: [8, 16] } });
    expect(fits.complete).toBe(true);
    const wrong = await call<{ complete: boolean; misshaped: unknown[] }>('models.checkWeights', { path: fixture, arch: 'small-resnet' });
    expect(wrong.complete).toBe(false);
    const pickle = join(home, 'model.pth');
    writeFileSync(pickle, 'not really a pickle');
    const refused = await app.dispatch('models.checkWeights', { path: pickle, arch: 'resnet18' });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error.message).toMatch(/pickle/i);
  });
});
