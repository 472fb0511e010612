import { describe, expect, it } from 'vitest';
import { finetuneBatch, planFinetune, VALIDATIONS_PER_STAGE, type FinetunePlanInput } from '../../src/shared/finetune-plan';

const ft = (over: Partial<FinetunePlanInput> = {}): FinetunePlanInput => ({ mode: 'ft', epochs: 30, headEpochs: 0, minSteps: 500, ...over });

describe('planFinetune', () => {
  it('stretches a few-label stage to minSteps and fits the batch to half the train split', () => {
    const p = planFinetune(ft(), 45, 64);
    expect(p.batch).toBe(16); // 45 / 2 → 22 → power of two 16
    expect(p.stepsPerEpoch).toBe(2);
    expect(p.totalSteps).toBe(500); // 30 epochs × 2 = 60 < 500
    expect(p.headSteps).toBe(0);
    expect(p.validateEvery).toBe(Math.ceil(500 / VALIDATIONS_PER_STAGE));
  });

  it('keeps epochs × steps per epoch on a large train split', () => {
    const p = planFinetune(ft({ epochs: 20 }), 10_000, 64);
    expect(p.batch).toBe(64);
    expect(p.stepsPerEpoch).toBe(156);
    expect(p.totalSteps).toBe(20 * 156);
    expect(p.validateEvery).toBe(156); // never more often than once an epoch
  });

  it('explicit steps win over epochs and minSteps; an explicit batch is only capped by the split', () => {
    expect(planFinetune(ft({ steps: 123 }), 45, 64).totalSteps).toBe(123);
    expect(planFinetune(ft({ batchSize: 40 }), 45, 64).batch).toBe(40);
    expect(finetuneBatch({ batchSize: 100 }, 45, 64)).toBe(45);
  });

  it('counts head epochs only for the modes that have a head phase, and keeps their share when stretched', () => {
    const fu = planFinetune(ft({ mode: 'freeze-unfreeze', epochs: 15, headEpochs: 5 }), 45, 64);
    expect(fu.totalSteps).toBe(500);
    expect(fu.headSteps).toBe(125); // 5 of 20 epochs
    const daft = planFinetune(ft({ mode: 'daft', epochs: 20, headEpochs: 5, minSteps: 0 }), 45, 64);
    expect(daft.headSteps).toBe(0);
    expect(daft.totalSteps).toBe(40); // head epochs do not count for daft
    const lp = planFinetune(ft({ mode: 'lp', epochs: 10, minSteps: 0 }), 45, 64);
    expect(lp.headSteps).toBe(lp.totalSteps);
    expect(lp.totalSteps).toBe(20);
  });

  it('honours maxStepsPerEpoch', () => {
    expect(planFinetune(ft({ maxStepsPerEpoch: 3, minSteps: 0 }), 10_000, 64).totalSteps).toBe(90);
  });
});
