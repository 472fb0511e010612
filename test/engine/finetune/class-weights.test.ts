import { describe, expect, it } from 'vitest';
import { balancedClassWeights, classCounts } from '../../../src/engine/finetune/class-weights';
import { loadFashion } from '../eval/fashion';

/** An unbalanced label list from real Fashion-MNIST labels: keep all of class 0, a tenth of class 1. */
function unbalancedLabels(): number[] {
  const { labels } = loadFashion('train', 0, 3000);
  let seen = 0;
  return Array.from(labels).filter((y) => y === 0 || (y === 1 && seen++ % 10 === 0)).map((y) => y);
}

describe('unbalanced data', () => {
  it("class weights follow sklearn's 'balanced' rule n / (K · count)", () => {
    const labels = unbalancedLabels();
    const counts = classCounts(labels, 3);
    expect(counts[0]).toBeGreaterThan(5 * counts[1]);
    const w = balancedClassWeights(labels, 3);
    expect(w[0]).toBeCloseTo(labels.length / (3 * counts[0]), 12);
    expect(w[1]).toBeCloseTo(labels.length / (3 * counts[1]), 12);
    expect(w[2]).toBe(0); // absent class
    // weighted class totals are equal
    expect(w[0] * counts[0]).toBeCloseTo(w[1] * counts[1], 9);
    expect(() => classCounts([0, 4], 3)).toThrow(/labels\[1\] = 4/);
  });
});
