import { describe, expect, it } from 'vitest';
import { balancedClassWeights, balancedEpoch, classCounts } from '../../../src/engine/finetune/sampling';
import { BestTracker } from '../../../src/engine/finetune/early-stopping';
import { SeededRandom } from '../../../src/engine/train/seed';
import { loadFashion } from '../eval/fashion';
import type { EpochMetrics } from '../../../src/engine/finetune/types';

/** An unbalanced label list from real Fashion-MNIST labels: keep all of class 0, a tenth of class 1. */
function unbalancedLabels(): number[] {
  const { labels } = loadFashion('train', 0, 3000);
  let seen = 0;
  return Array.from(labels).filter((y) => y === 0 || (y === 1 && seen++ % 10 === 0)).map((y) => y);
}

function epoch(globalEpoch: number, valLoss: number, valAccuracy = 0): EpochMetrics {
  return { stage: 'finetune', epoch: globalEpoch, globalEpoch, trainLoss: 1, valLoss, valAccuracy, valF1: 0, valAuc: 0, lr: 0.1 };
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

  it('the balanced sampler draws present classes about equally, reproducibly', () => {
    const labels = unbalancedLabels();
    const draw = balancedEpoch(labels, 3, new SeededRandom(11));
    expect(draw).toHaveLength(labels.length);
    const ones = draw.filter((i) => labels[i] === 1).length / draw.length;
    expect(ones).toBeGreaterThan(0.4);
    expect(ones).toBeLessThan(0.6);
    expect(balancedEpoch(labels, 3, new SeededRandom(11))).toEqual(draw);
  });
});

describe('early stopping', () => {
  it('stops after `patience` epochs without improvement of the loss', () => {
    const t = new BestTracker('valLoss', { metric: 'valLoss', patience: 2, minDelta: 0.01 });
    expect(t.update(epoch(0, 1.0))).toBe(true);
    expect(t.update(epoch(1, 0.8))).toBe(true);
    expect(t.update(epoch(2, 0.795))).toBe(false); // within minDelta
    expect(t.shouldStop()).toBe(false);
    expect(t.update(epoch(3, 0.9))).toBe(false);
    expect(t.shouldStop()).toBe(true);
    expect(t.bestEpoch).toBe(1);
  });

  it('higher is better for accuracy, NaN never improves, no patience means no stop', () => {
    const t = new BestTracker('valAccuracy');
    t.update(epoch(0, 1, 0.5));
    t.update(epoch(1, 1, NaN));
    t.update(epoch(2, 1, 0.4));
    expect(t.bestEpoch).toBe(0);
    for (let i = 3; i < 20; i++) t.update(epoch(i, 1, 0.1));
    expect(t.shouldStop()).toBe(false);
    expect(() => new BestTracker('valLoss', { metric: 'valLoss', patience: 0 })).toThrow(/patience/);
  });
});
