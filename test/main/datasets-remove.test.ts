/**
 * Datasets that should not stay: an empty folder or a failed scan leaves no dataset behind,
 * a dataset can be removed (its image files stay on disk), the health report can be asked for
 * one dataset, and the folder browser lists sub-folders and completes a partly typed path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodeApp, type NodeApp } from '../../src/main/node-app';
import type { Reply } from '../../src/shared/api';
import { writeFashionFolder } from '../e2e/fashion-folder';
import { datasetHandlers } from '../../src/main/handlers/datasets';
import type { AppContext } from '../../src/main/handlers/context';

let app: NodeApp;
let home: string;
let project: string;

function ok<T>(r: Reply): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'attune-dsrm-'));
  app = createNodeApp('cli', join(home, 'user-data'));
  await writeFashionFolder(join(home, 'shoes'), [5, 7], 5);
  await writeFashionFolder(join(home, 'clothes'), [0, 1, 2], 4);
  mkdirSync(join(home, 'empty'));
  mkdirSync(join(home, 'junk'));
  writeFileSync(join(home, 'junk', 'a.png'), 'not a png');
  project = join(home, 'project');
  ok(await app.dispatch('projects.create', { name: 'rm', folder: project }));
});
afterAll(async () => app.shutdown());

type Summary = { id: number; root: string; classes: Record<string, number> };

describe('removing datasets and scans that find nothing', { timeout: 120_000 }, () => {
  it('refuses an empty folder with "No images found" and keeps no dataset', async () => {
    const r = await app.dispatch('datasets.import', { project, kind: 'labeled-folder', path: join(home, 'empty') });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toBe(`No images found in ${join(home, 'empty')}.`);
    const junk = await app.dispatch('datasets.import', { project, kind: 'unlabeled', path: join(home, 'junk') });
    expect(junk.ok).toBe(false);
    if (!junk.ok) expect(junk.error.message).toMatch(/No images found that can be read \(1 file, none decodes\)/);
    expect(ok<Summary[]>(await app.dispatch('datasets.list', { project }))).toEqual([]);
  });

  it('reports health per dataset and removes a dataset without touching its files', async () => {
    ok(await app.dispatch('datasets.import', { project, kind: 'labeled-folder', path: join(home, 'shoes') }));
    ok(await app.dispatch('datasets.import', { project, kind: 'source', path: join(home, 'clothes') }));
    const list = ok<Summary[]>(await app.dispatch('datasets.list', { project }));
    expect(list).toHaveLength(2);
    const all = ok<{ total: number }>(await app.dispatch('datasets.health', { project }));
    const shoes = ok<{ total: number; classes: Record<string, number> }>(await app.dispatch('datasets.health', { project, datasetId: list[0].id }));
    expect(all.total).toBe(22);
    expect(shoes.total).toBe(10);
    expect(Object.keys(shoes.classes)).toHaveLength(2);
    expect(ok<{ removed: boolean }>(await app.dispatch('datasets.remove', { project, datasetId: list[1].id }))).toEqual({ removed: true });
    expect(ok<Summary[]>(await app.dispatch('datasets.list', { project })).map((d) => d.root)).toEqual([join(home, 'shoes')]);
    expect(existsSync(join(home, 'clothes', 'tshirt'))).toBe(true);
    expect(ok<{ removed: boolean }>(await app.dispatch('datasets.remove', { project, datasetId: list[1].id }))).toEqual({ removed: false });
  });

  it('browses sub-folders and completes a partly typed path', async () => {
    const top = ok<{ path: string; folders: { name: string }[]; images: number }>(await app.dispatch('datasets.browse', { path: home }));
    expect(top.folders.map((f) => f.name)).toEqual(expect.arrayContaining(['clothes', 'empty', 'junk', 'project', 'shoes']));
    const partial = ok<{ path: string; folders: { name: string; path: string }[] }>(await app.dispatch('datasets.browse', { path: join(home, 'sh') }));
    expect(partial.path).toBe(home);
    expect(partial.folders).toEqual([{ name: 'shoes', path: join(home, 'shoes') }]);
    const cls = ok<{ folders: { name: string }[]; images: number; parent: string }>(await app.dispatch('datasets.browse', { path: join(home, 'shoes', 'sandal') }));
    expect(cls.images).toBe(5);
    expect(cls.parent).toBe(join(home, 'shoes'));
  });

  it('opens the native dialog where the host has one, and says so where it has not', async () => {
    expect(ok(await app.dispatch('datasets.pickFolder', {}))).toEqual({ native: false, path: null });
    const asked: string[] = [];
    const electronLike = datasetHandlers({ pickFolder: async (title: string, kind: string) => (asked.push(`${title}|${kind}`), '/picked') } as unknown as AppContext);
    expect(await electronLike['datasets.pickFolder']({ title: 'Choose a weights file', kind: 'file' })).toEqual({ native: true, path: '/picked' });
    expect(asked).toEqual(['Choose a weights file|file']);
  });
});
