import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  accuracy, argmaxRows, balancedAccuracy, confusionMatrix, logLoss, macroF1, perClassScores, type ProbabilityTable,
} from '../../../src/engine/eval/metrics';
import { oneVsRestAucs, positiveVsNegative, rocAuc, rocCurve } from '../../../src/engine/eval/roc';

interface Curve { fpr: number[]; tpr: number[]; thresholds: number[] }
interface Case {
  name: string;
  numClasses: number;
  labels: number[];
  probs: number[];
  negativeClass: number | null;
  expected: {
    predictions: number[];
    accuracy: number;
    balancedAccuracy: number;
    confusion: number[][];
    precision: number[];
    recall: number[];
    f1: number[];
    support: number[];
    macroF1: number;
    logLoss: number;
    classAuc: Array<number | null>;
    aucOvr: number | null;
    aucBinary?: number | null;
    rocFull?: Curve;
    rocDropped?: Curve;
  };
}

const fixture = JSON.parse(readFileSync(resolve(__dirname, '../../fixtures/metrics/sklearn-reference.json'), 'utf8')) as { cases: Case[] };
const TOL = 1e-6;

function table(c: Case): ProbabilityTable {
  return { labels: Int32Array.from(c.labels), probs: Float64Array.from(c.probs), numClasses: c.numClasses };
}

function expectClose(actual: number[], expected: number[], what: string): void {
  expect(actual.length, what).toBe(expected.length);
  actual.forEach((a, i) => expect(Math.abs(a - expected[i]), `${what}[${i}]: ${a} vs ${expected[i]}`).toBeLessThan(TOL));
}

describe('metrics against scikit-learn fixtures', () => {
  it('has the degenerate cases the brief asks for', () => {
    const names = fixture.cases.map((c) => c.name);
    for (const n of ['class-never-predicted', 'perfect', 'constant', 'quantised-ties']) expect(names).toContain(n);
  });

  for (const c of fixture.cases) {
    describe(c.name, () => {
      const t = table(c);
      const preds = argmaxRows(t.probs, t.numClasses);
      const cm = confusionMatrix(t.labels, preds, t.numClasses);
      const e = c.expected;

      it('predictions, accuracy, confusion matrix', () => {
        expect(Array.from(preds)).toEqual(e.predictions);
        expect(Math.abs(accuracy(t.labels, preds) - e.accuracy)).toBeLessThan(TOL);
        expect(cm).toEqual(e.confusion);
      });

      it('per-class precision/recall/F1, macro-F1, balanced accuracy', () => {
        const s = perClassScores(cm);
        expectClose(s.map((x) => x.precision), e.precision, 'precision');
        expectClose(s.map((x) => x.recall), e.recall, 'recall');
        expectClose(s.map((x) => x.f1), e.f1, 'f1');
        expect(s.map((x) => x.support)).toEqual(e.support);
        expect(Math.abs(macroF1(cm) - e.macroF1)).toBeLessThan(TOL);
        expect(Math.abs(balancedAccuracy(cm) - e.balancedAccuracy)).toBeLessThan(TOL);
      });

      it('log loss (clipped like sklearn)', () => {
        expect(Math.abs(logLoss(t) - e.logLoss)).toBeLessThan(TOL);
      });

      it('one-vs-rest AUCs', () => {
        const per = oneVsRestAucs(t);
        per.forEach((a, k) => {
          const ref = e.classAuc[k];
          if (ref === null) expect(a).toBeNaN();
          else expect(Math.abs(a - ref), `class ${k}`).toBeLessThan(TOL);
        });
        if (e.aucOvr !== null) expect(Math.abs(rocAuc(t) - e.aucOvr)).toBeLessThan(TOL);
      });

      if (c.negativeClass !== null) {
        it('positive-vs-negative AUC and ROC curve', () => {
          const neg = c.negativeClass as number;
          const auc = rocAuc(t, neg);
          if (e.aucBinary === null || e.aucBinary === undefined) expect(auc).toBeNaN();
          else expect(Math.abs(auc - e.aucBinary)).toBeLessThan(TOL);
          const { positive, scores } = positiveVsNegative(t, neg);
          for (const [drop, ref] of [[false, e.rocFull], [true, e.rocDropped]] as const) {
            const curve = rocCurve(positive, scores, drop);
            expectClose(curve.fpr, ref!.fpr, `fpr drop=${drop}`);
            expectClose(curve.tpr, ref!.tpr, `tpr drop=${drop}`);
            expect(curve.thresholds[0]).toBe(Infinity);
            expectClose(curve.thresholds.slice(1), ref!.thresholds, `thresholds drop=${drop}`);
          }
        });
      }
    });
  }
});

describe('metric edge cases', () => {
  it('perfect and constant scores give AUC 1 and 0.5', () => {
    const perfect = fixture.cases.find((c) => c.name === 'perfect')!;
    const constant = fixture.cases.find((c) => c.name === 'constant')!;
    expect(rocAuc(table(perfect), 0)).toBe(1);
    expect(rocAuc(table(constant), 0)).toBe(0.5);
    expect(rocAuc(table(constant))).toBe(0.5);
  });

  it('AUC is NaN when one class is absent, and bad input is named', () => {
    expect(rocAuc({ labels: [1, 1], probs: Float64Array.from([0.2, 0.8, 0.6, 0.4]), numClasses: 2 }, 0)).toBeNaN();
    expect(() => logLoss({ labels: [0, 3], probs: new Float64Array(4), numClasses: 2 })).toThrow(/labels\[1\] = 3/);
    expect(() => logLoss({ labels: [0], probs: new Float64Array(3), numClasses: 2 })).toThrow(/probs has 3 values/);
    expect(() => rocCurve([1, 0], [0.5, NaN])).toThrow(/score\[1\]/);
  });
});
