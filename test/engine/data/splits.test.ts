import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { stratifiedSplit, applyLabelBudget } from '../../../src/engine/data/splits';
import { loadIdxDataset, FASHION_MNIST_CLASSES } from '../../../src/engine/data/idx';

async function fashionItems(n: number) {
  const ds = await loadIdxDataset(join('/usr/share/datasets/fashion-mnist', 't10k-images-idx3-ubyte.gz'), join('/usr/share/datasets/fashion-mnist', 't10k-labels-idx1-ubyte.gz'), FASHION_MNIST_CLASSES);
  return Array.from({ length: n }, (_, i) => ({ id: `fm#${i}`, label: ds.classNames[ds.labels![i]] }));
}

describe('stratified split', () => {
  it('keeps class proportions, is deterministic for a seed and independent of input order', async () => {
    const items = await fashionItems(2000);
    const a = stratifiedSplit(items, { val: 0.1, test: 0.2, seed: 7 });
    const b = stratifiedSplit([...items].reverse(), { val: 0.1, test: 0.2, seed: 7 });
    const c = stratifiedSplit(items, { val: 0.1, test: 0.2, seed: 8 });
    expect([...a].sort()).toEqual([...b].sort());
    expect([...a].sort()).not.toEqual([...c].sort());
    const perClass = new Map<string, Record<string, number>>();
    for (const it of items) {
      const m = perClass.get(it.label) ?? { train: 0, val: 0, test: 0 };
      m[a.get(it.id)!]++;
      perClass.set(it.label, m);
    }
    for (const [, m] of perClass) {
      const n = m.train + m.val + m.test;
      expect(Math.abs(m.test - n * 0.2)).toBeLessThanOrEqual(1);
      expect(Math.abs(m.val - n * 0.1)).toBeLessThanOrEqual(1);
    }
  });

  it('keeps fixed splits and always leaves a training image', () => {
    const items = [
      { id: 'a', label: 'x', split: 'test' as const }, { id: 'b', label: 'x' }, { id: 'c', label: 'x' },
      { id: 'solo', label: 'y' },
    ];
    const s = stratifiedSplit(items, { val: 0.34, test: 0.34, seed: 1 });
    expect(s.get('a')).toBe('test');
    expect(s.get('solo')).toBe('train');
    expect([s.get('b'), s.get('c')].filter((v) => v === 'train').length).toBeGreaterThanOrEqual(1);
    expect(() => stratifiedSplit(items, { val: 0.6, test: 0.5, seed: 1 })).toThrow(/val \+ test < 1/);
  });
});

describe('label budget', () => {
  it('keeps N per class or a percentage, seeded', async () => {
    const items = await fashionItems(1000);
    const five = applyLabelBudget(items, { kind: 'per-class', n: 5 }, 3);
    expect(five.size).toBe(50);
    const perClass = new Map<string, number>();
    for (const it of items) if (five.has(it.id)) perClass.set(it.label, (perClass.get(it.label) ?? 0) + 1);
    expect([...perClass.values()]).toEqual(new Array(10).fill(5));
    expect(applyLabelBudget(items, { kind: 'per-class', n: 5 }, 3)).toEqual(five);
    expect(applyLabelBudget(items, { kind: 'per-class', n: 5 }, 4)).not.toEqual(five);
    const tenPct = applyLabelBudget(items, { kind: 'percent', percent: 10 }, 3);
    expect(Math.abs(tenPct.size - 100)).toBeLessThanOrEqual(10);
    expect(applyLabelBudget(items, { kind: 'all' }, 3).size).toBe(1000);
    expect(() => applyLabelBudget(items, { kind: 'percent', percent: 0 }, 3)).toThrow(/percent/);
  });
});
