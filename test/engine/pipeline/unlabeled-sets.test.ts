/**
 * Several unlabeled folders in one recipe: the recipe schema takes the list, the expansion
 * resolves and counts every folder, and the prepare stage decodes all of them into the one
 * unlabeled cache the self-supervised stages read (real PNGs from Fashion-MNIST).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandRecipe, parseRecipe } from '../../../src/main/services/runs/expand';
import { closePrepared, prepareData } from '../../../src/engine/pipeline/data';
import { writeFashionFolder } from '../../e2e/fashion-folder';

let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'attune-unlabeled-'));
  await writeFashionFolder(join(dir, 'labeled'), [5, 7], 6);
  await writeFashionFolder(join(dir, 'u1'), [9], 4);
  await writeFashionFolder(join(dir, 'u2'), [8], 3);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('several unlabeled folders', { timeout: 120_000 }, () => {
  it('are counted by the expansion and all decoded by the prepare stage', async () => {
    const recipe = parseRecipe({ name: 'u', recipe: 'scratch', batchSize: 4, data: { labeled: 'labeled', unlabeled: ['u1', 'u2'], size: 16, split: { val: 0.2, test: 0.2 } } });
    const ex = expandRecipe(recipe, dir);
    expect(ex.counts.unlabeled).toBe(7);
    const config = ex.configs[0];
    expect(config.data.unlabeled).toEqual([{ kind: 'folder', path: join(dir, 'u1') }, { kind: 'folder', path: join(dir, 'u2') }]);
    const logs: string[] = [];
    const prepared = await prepareData(config, join(dir, 'cache'), join(dir, 'run'), (m) => logs.push(m));
    try {
      expect(prepared.unlabeled?.count).toBe(7);
      expect(new Set(prepared.unlabeled!.index.keys).size).toBe(7);
      expect(logs.join('\n')).toContain(`${join(dir, 'u1')} + ${join(dir, 'u2')}`);
    } finally {
      closePrepared(prepared);
    }
  });

  it('keeps a single folder (string or one-item list) a single source', () => {
    const one = expandRecipe(parseRecipe({ name: 'u', recipe: 'scratch', batchSize: 4, data: { labeled: 'labeled', unlabeled: ['u1'], size: 16 } }), dir);
    expect(one.configs[0].data.unlabeled).toEqual({ kind: 'folder', path: join(dir, 'u1') });
    expect(one.counts.unlabeled).toBe(4);
  });

  it('names the folder that is missing in a list', () => {
    expect(() => expandRecipe(parseRecipe({ name: 'u', recipe: 'scratch', batchSize: 4, data: { labeled: 'labeled', unlabeled: ['u1', 'nope'], size: 16 } }), dir)).toThrow(/data\.unlabeled\[1\]/);
  });
});
