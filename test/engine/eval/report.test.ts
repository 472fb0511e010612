import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { evaluateClassifier, worstInCell } from '../../../src/engine/eval/report';
import { bootstrapCI } from '../../../src/engine/eval/bootstrap';
import { aggregate, aggregateRuns, formatAggregate, percentile } from '../../../src/engine/eval/stats';
import { featureDistortion } from '../../../src/engine/eval/distortion';

interface Case { name: string; numClasses: number; labels: number[]; probs: number[]; negativeClass: number | null; expected: { accuracy: number; macroF1: number; logLoss: number; aucBinary?: number | null; confusion: number[][] } }
const fixture = JSON.parse(readFileSync(resolve(__dirname, '../../fixtures/metrics/sklearn-reference.json'), 'utf8')) as { cases: Case[] };
const unbalanced = fixture.cases.find((c) => c.name === 'negative-class')!;
const table = { labels: Int32Array.from(unbalanced.labels), probs: Float64Array.from(unbalanced.probs), numClasses: unbalanced.numClasses };

describe('evaluation report', () => {
  it('agrees with the sklearn reference and carries per-image results', () => {
    const r = evaluateClassifier(table, { negativeClass: 0, bootstrapResamples: 200, bootstrapSeed: 7 });
    const e = unbalanced.expected;
    expect(r.aucKind).toBe('positive-vs-negative');
    expect(Math.abs(r.accuracy - e.accuracy)).toBeLessThan(1e-9);
    expect(Math.abs(r.macroF1 - e.macroF1)).toBeLessThan(1e-9);
    expect(Math.abs(r.logLoss - e.logLoss)).toBeLessThan(1e-9);
    expect(Math.abs(r.auc - (e.aucBinary as number))).toBeLessThan(1e-9);
    expect(r.confusion).toEqual(e.confusion);
    expect(r.images).toHaveLength(table.labels.length);
    const meanLoss = r.images.reduce((a, im) => a + im.loss, 0) / r.images.length;
    expect(meanLoss).toBeCloseTo(r.logLoss, 10);
    for (const key of ['accuracy', 'macroF1', 'auc', 'logLoss'] as const) {
      const ci = r.ci![key];
      expect(ci.low).toBeLessThanOrEqual(ci.value);
      expect(ci.high).toBeGreaterThanOrEqual(ci.value);
      expect(ci.high - ci.low).toBeGreaterThan(0);
    }
    // same seed, same intervals; another seed, other intervals
    const again = evaluateClassifier(table, { negativeClass: 0, bootstrapResamples: 200, bootstrapSeed: 7 });
    expect(again.ci).toEqual(r.ci);
    const other = evaluateClassifier(table, { negativeClass: 0, bootstrapResamples: 200, bootstrapSeed: 8 });
    expect(other.ci!.accuracy.low === r.ci!.accuracy.low && other.ci!.accuracy.high === r.ci!.accuracy.high).toBe(false);
  });

  it('lists the worst images of a confusion-matrix cell, highest loss first', () => {
    const r = evaluateClassifier(table, { bootstrapResamples: 0 });
    expect(r.ci).toBeUndefined();
    const cell = worstInCell(r.images, 0, 1, 5);
    expect(cell.length).toBe(Math.min(5, r.confusion[0][1]));
    for (const im of cell) {
      expect(im.label).toBe(0);
      expect(im.prediction).toBe(1);
    }
    for (let i = 1; i < cell.length; i++) expect(cell[i - 1].loss).toBeGreaterThanOrEqual(cell[i].loss);
  });

  it('refuses NaN probabilities with the image named', () => {
    const probs = Float64Array.from(table.probs);
    probs[5] = NaN;
    expect(() => evaluateClassifier({ ...table, probs })).toThrow(/image 1, class 1/);
  });
});

describe('bootstrap and run-group statistics', () => {
  it('bootstrap CI of a mean narrows with more data and covers the truth', () => {
    const draw = (n: number) => Float64Array.from({ length: n }, (_, i) => (i * 7919) % 100 / 100);
    const narrow = (n: number) => {
      const x = draw(n);
      return bootstrapCI(n, (idx) => idx.reduce((a, i) => a + x[i], 0) / idx.length, { resamples: 300, seed: 1 });
    };
    const small = narrow(50);
    const large = narrow(2000);
    expect(large.high - large.low).toBeLessThan(small.high - small.low);
    expect(large.low).toBeLessThan(0.495);
    expect(large.high).toBeGreaterThan(0.495);
    expect(() => bootstrapCI(0, () => 0)).toThrow(/at least one image/);
  });

  it('aggregates seeds with the sample standard deviation', () => {
    const a = aggregate([1, 2, 3, 4]);
    expect(a.mean).toBe(2.5);
    expect(a.std).toBeCloseTo(1.2909944487358056, 12); // numpy std(ddof=1)
    expect(a.stdKind).toBe('sample');
    expect(aggregate([5]).std).toBeNaN();
    const g = aggregateRuns([{ acc: 0.8, auc: 0.9 }, { acc: 0.7, auc: NaN }, { acc: 0.9, auc: 0.95 }]);
    expect(g.acc.mean).toBeCloseTo(0.8, 12);
    expect(g.auc.n).toBe(2);
    expect(formatAggregate(a, 2)).toBe('2.50 ± 1.29 (sample std, n = 4)');
    expect(percentile([1, 2, 3, 4, 5], 25)).toBe(2);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
  });
});

describe('feature distortion', () => {
  it('per-sample cosine and L2 of features before vs after', () => {
    const before = { data: Float32Array.from([1, 0, 0, 2]), n: 2, dim: 2 };
    const after = { data: Float32Array.from([1, 0, 2, 0]), n: 2, dim: 2 };
    const d = featureDistortion(before, after);
    expect(Array.from(d.cosine)).toEqual([1, 0]);
    expect(d.l2[0]).toBe(0);
    expect(d.l2[1]).toBeCloseTo(Math.SQRT2 * 2, 6);
    expect(d.meanCosine).toBe(0.5);
    expect(() => featureDistortion(before, { data: new Float32Array(3), n: 1, dim: 3 })).toThrow(/shapes differ/);
  });
});
