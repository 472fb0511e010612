import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useTestBackend } from './tf-setup';
import { NamedOptimizer, type OptimizerConfig, type TrainableVar } from '../../../src/engine/train/optimizers';
import { cosineMomentum, cosineWithWarmup, scaleLrByBatch } from '../../../src/engine/train/schedules';
import { emaUpdate } from '../../../src/engine/train/ema';

beforeAll(async () => {
  await useTestBackend({ preferWasm: false });
});

/** Runs `steps` updates of f(w) = ½‖w − target‖² from w0 and returns w. */
function run(config: OptimizerConfig, w0: number[], steps: number, decay = true, opt = new NamedOptimizer(config), lr = 0.1): { w: number[]; opt: NamedOptimizer; v: tf.Variable } {
  const v = tf.tidy(() => tf.variable(tf.tensor1d(w0)));
  const vars: TrainableVar[] = [{ name: 'w', variable: v, decay }];
  for (let i = 0; i < steps; i++) {
    const g = tf.tidy(() => tf.sub(v, tf.tensor1d([1, -2, 0.5])));
    opt.apply(vars, new Map([['w', g]]), lr);
    g.dispose();
  }
  return { w: Array.from(v.dataSync()), opt, v };
}

describe('optimizers', () => {
  it('SGD with momentum and weight decay matches the PyTorch update by hand', () => {
    const { w } = run({ kind: 'sgd', momentum: 0.9, weightDecay: 0.01 }, [0, 0, 0], 2);
    // by hand for coordinate 0 (target 1): g = w - 1 + wd*w
    let x = 0;
    let buf = 0;
    for (let i = 0; i < 2; i++) {
      const d = x - 1 + 0.01 * x;
      buf = i === 0 ? d : 0.9 * buf + d;
      x -= 0.1 * buf;
    }
    expect(w[0]).toBeCloseTo(x, 6);
  });

  it('Adam matches the bias-corrected update by hand; AdamW decays decoupled', () => {
    const { w } = run({ kind: 'adam' }, [0, 0, 0], 3);
    let x = 0, m = 0, s = 0;
    for (let t = 1; t <= 3; t++) {
      const g = x - 1;
      m = 0.9 * m + 0.1 * g;
      s = 0.999 * s + 0.001 * g * g;
      x -= (0.1 * (m / (1 - 0.9 ** t))) / (Math.sqrt(s / (1 - 0.999 ** t)) + 1e-8);
    }
    expect(w[0]).toBeCloseTo(x, 5);
    const decayed = run({ kind: 'adamw', weightDecay: 0.5 }, [0, 0, 0], 3).w;
    const excluded = run({ kind: 'adamw', weightDecay: 0.5 }, [0, 0, 0], 3, false).w;
    expect(excluded[0]).toBeCloseTo(x, 5);
    expect(decayed[0]).not.toBeCloseTo(x, 3);
  });

  it('LARS scales the step by the trust ratio, and not for excluded variables', () => {
    const lars = run({ kind: 'lars', momentum: 0, trustCoefficient: 0.001 }, [3, 4, 0], 1).w;
    // g = (2, 6, -0.5), ‖w‖ = 5, ‖g‖ = sqrt(40.25); step = 0.1 * 0.001 * 5/‖g‖ * g
    const r = (0.001 * 5) / Math.sqrt(40.25);
    expect(lars[0]).toBeCloseTo(3 - 0.1 * r * 2, 6);
    const excluded = run({ kind: 'lars', momentum: 0 }, [3, 4, 0], 1, false).w;
    expect(excluded[0]).toBeCloseTo(3 - 0.1 * 2, 6);
  });

  it('exported state resumes exactly', async () => {
    const full = run({ kind: 'sgd', momentum: 0.9, nesterov: true }, [0, 0, 0], 4).w;
    const first = run({ kind: 'sgd', momentum: 0.9, nesterov: true }, [0, 0, 0], 2);
    const saved = await first.opt.exportState();
    const fresh = new NamedOptimizer(saved.config);
    fresh.importState(saved);
    const resumed = run(saved.config, Array.from(first.v.dataSync()), 2, true, fresh).w;
    resumed.forEach((x, i) => expect(x).toBeCloseTo(full[i], 6));
    const adam = await run({ kind: 'adam' }, [0, 0, 0], 1).opt.exportState();
    expect(() => new NamedOptimizer({ kind: 'sgd' }).importState(adam)).toThrow(/adam/);
  });

  it('allocates nothing per step beyond its slots', () => {
    const opt = new NamedOptimizer({ kind: 'adamw', weightDecay: 0.1 });
    run({ kind: 'adamw' }, [0, 0, 0], 1, true, opt);
    const before = tf.memory().numTensors;
    run({ kind: 'adamw' }, [0, 0, 0], 3, true, opt).v.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('schedules and EMA', () => {
  it('cosine with warm-up, momentum schedule and linear scaling', () => {
    const o = { base: 1, totalSteps: 110, warmupSteps: 10 };
    expect(cosineWithWarmup(0, o)).toBeCloseTo(0.1);
    expect(cosineWithWarmup(9, o)).toBeCloseTo(1);
    expect(cosineWithWarmup(60, o)).toBeCloseTo(0.5);
    expect(cosineWithWarmup(110, o)).toBeCloseTo(0);
    expect(cosineMomentum(0, 100)).toBeCloseTo(0.996);
    expect(cosineMomentum(100, 100)).toBeCloseTo(1);
    expect(scaleLrByBatch(0.03, 64)).toBeCloseTo(0.0075);
  });

  it('EMA with momentum 1 is a no-op and with 0.5 averages', () => {
    const t = new Map([['a', tf.variable(tf.tensor1d([1, 2]))]]);
    const o = new Map([['a', tf.variable(tf.tensor1d([3, 6]))]]);
    emaUpdate({ target: t, online: o }, 1);
    expect(Array.from(t.get('a')!.dataSync())).toEqual([1, 2]);
    emaUpdate({ target: t, online: o }, 0.5);
    expect(Array.from(t.get('a')!.dataSync())).toEqual([2, 4]);
    expect(() => emaUpdate({ target: t, online: new Map() }, 0.5)).toThrow(/'a'/);
  });
});
