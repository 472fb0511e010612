/**
 * Runs the Fashion-MNIST domain-adaptation study: for every seed, one labeled draw and one test
 * set shared by all eight arms (the paired design), the supervised base pretrained once and
 * reused by every arm that starts from it, and HPT's pretrained model reused by HPT + DAFT.
 */
import { createHash } from 'node:crypto';
import type { Backbone, Params } from '../models/types';
import { cloneParams, createBackbone, disposeParams } from '../models/registry';
import { replaceDeadFilters } from '../adapt/dead-filters';
import { scaleWeights } from '../adapt/weight-scaling';
import { SeededRandom } from '../train/seed';
import { allIndices, drawLabeled, labeledImages, SOURCE_CLASSES, TARGET_CLASSES, type StudyDomains } from './data';
import { validateBudget, type StudyBudget } from './budget';
import { poolOf, pretrainSupervised, runSslStage, SSL_OPTIMIZER, type PoolRef } from './pretrain';
import { finetuneScores, probeScores, type Scores } from './evaluate';

/** The arms, in the order they run and are reported. */
export const ARM_NAMES = ['scratch', 'base', 'specialist', 'hpt', 'hpt-bn', 'hpt-daft', 'uft', 'p2x'] as const;
export type ArmName = (typeof ARM_NAMES)[number];

/** What each arm is, in one line (for reports). */
export const ARM_DESCRIPTIONS: Record<ArmName, string> = {
  scratch: 'random init; supervised on the labels only',
  base: 'supervised pretraining on the source (classes 0–4), then fine-tuned',
  specialist: 'BYOL from scratch on the target pool',
  hpt: 'base → BYOL on the target pool, a quarter of the specialist\'s steps',
  'hpt-bn': 'base → BYOL on the target training only BatchNorm γ/β (heads fully)',
  'hpt-daft': 'the HPT model, fine-tuned with DAFT (BN conversion, zero head, separate lrs)',
  uft: 'base → MoCo v2 on the target pool + 10 % source replay, CutMix of the queries',
  p2x: 'base → dead-filter copy and weight scaling → BYOL on the target pool',
};

/** One arm on one seed. */
export interface ArmSeedResult {
  arm: ArmName;
  seed: number;
  /** short hash of the labeled draw and of the test set: equal for every arm of a seed */
  drawId: string;
  testId: string;
  labeledCount: number;
  testSize: number;
  linearProbe: Scores;
  finetune: Scores;
  /** self-supervised steps of the arm's own target stage */
  pretrainSteps: number;
  /** supervised source steps inherited from the shared base (0 for scratch and specialist) */
  baseSteps: number;
  /** wall seconds of the arm's own work (its pretraining, probe, fine-tune); the shared base is counted in `base` */
  seconds: number;
  phases: { pretrain: number; probe: number; finetune: number };
  note?: string;
}

/** Options of a study. */
export interface StudyOptions {
  budget: StudyBudget;
  seeds: number[];
  onLog?: (m: string) => void;
  /** called as each arm of each seed finishes (the CLI records runs in the project from here) */
  onArm?: (r: ArmSeedResult) => void | Promise<void>;
}

/** Everything a study measured. */
export interface StudyResult {
  budget: StudyBudget;
  seeds: number[];
  results: ArmSeedResult[];
  counts: { source: number; targetPool: number; targetTest: number; labeledPerClass: number };
  base: Array<{ seed: number; steps: number; seconds: number; sourceAccuracy: number }>;
  seconds: number;
}

function idOf(indices: number[]): string {
  return createHash('sha256').update(Int32Array.from(indices)).digest('hex').slice(0, 12);
}

function now(): number {
  return performance.now() / 1000;
}

/** UFT's sparse source replay: a random 10 % of the source images, drawn with the seed. */
export function sourceReplay(d: StudyDomains, seed: number): PoolRef[] {
  const replay = new SeededRandom(seed * 31 + 3).permutation(d.source.count).slice(0, Math.max(1, Math.round(d.source.count * 0.1)));
  return poolOf(d.source, replay);
}

/** Runs every arm of every seed. */
export async function runStudy(domains: StudyDomains, o: StudyOptions): Promise<StudyResult> {
  validateBudget(o.budget);
  const t0 = now();
  const results: ArmSeedResult[] = [];
  const base: StudyResult['base'] = [];
  for (const seed of o.seeds) {
    const r = await runSeed(domains, o, seed);
    results.push(...r.results);
    base.push(r.base);
  }
  return {
    budget: o.budget, seeds: o.seeds, results, base, seconds: now() - t0,
    counts: { source: domains.source.count, targetPool: domains.targetPool.count, targetTest: domains.targetTest.count, labeledPerClass: o.budget.labelsPerClass },
  };
}

async function runSeed(d: StudyDomains, o: StudyOptions, seed: number): Promise<{ results: ArmSeedResult[]; base: StudyResult['base'][number] }> {
  const b = o.budget;
  const log = o.onLog ?? (() => undefined);
  const k = TARGET_CLASSES.length;
  const draw = drawLabeled(d.targetPool, k, b.labelsPerClass, seed);
  const testIdx = allIndices(d.targetTest.count);
  const train = labeledImages(d.targetPool, draw, k, d.mean, d.std);
  const test = labeledImages(d.targetTest, testIdx, k, d.mean, d.std);
  // the draw is ordered class by class: its first image of every class (progress log only)
  const val = labeledImages(d.targetPool, draw.filter((_, i) => i % b.labelsPerClass === 0), k, d.mean, d.std);
  const shared = { seed, drawId: idOf(draw), testId: idOf(testIdx), labeledCount: draw.length, testSize: testIdx.length };
  const targetPool = poolOf(d.targetPool);
  const uftPool: PoolRef[] = [...targetPool, ...sourceReplay(d, seed)];
  const fresh = (): Backbone => createBackbone('small-resnet', { widths: b.widths, blocks: 1, inChannels: 3 }, seed);
  const copyInto = (bb: Backbone, from: Params) => {
    for (const [name, v] of from) bb.params.get(name)!.assign(v);
    return bb;
  };
  const results: ArmSeedResult[] = [];
  const ssl = (bb: Backbone, steps: number, extra: { method?: 'byol' | 'moco-uft'; normOnly?: boolean; pool?: PoolRef[]; lr?: number } = {}) =>
    runSslStage(bb, { method: extra.method ?? 'byol', steps, batch: b.sslBatch, seed, pool: extra.pool ?? targetPool, mean: d.mean, std: d.std, normOnly: extra.normOnly, mocoQueue: b.mocoQueue, lr: extra.lr, onLog: log });

  /** Probe + fine-tune of a pretrained backbone, then the result is recorded. */
  const finish = async (arm: ArmName, bb: Backbone, pretrain: number, steps: { pretrainSteps: number; baseSteps: number }, opts: { mode?: 'ft' | 'daft'; probe?: Scores; note?: string } = {}) => {
    let t = now();
    const linearProbe = opts.probe ?? await probeScores(bb, train, test, b.probeEpochs, seed);
    const probe = opts.probe ? 0 : now() - t;
    t = now();
    const finetune = await finetuneScores(bb, train, val, test, opts.mode ?? 'ft', b.finetuneSteps, seed);
    const ft = now() - t;
    const r: ArmSeedResult = {
      arm, ...shared, linearProbe, finetune, ...steps, seconds: pretrain + probe + ft, phases: { pretrain, probe, finetune: ft },
      ...(opts.note ? { note: opts.note } : {}),
    };
    results.push(r);
    log(`seed ${seed} ${arm.padEnd(10)} LP acc ${(linearProbe.accuracy * 100).toFixed(1)} F1 ${(linearProbe.macroF1 * 100).toFixed(1)} | FT acc ${(finetune.accuracy * 100).toFixed(1)} F1 ${(finetune.macroF1 * 100).toFixed(1)} | ${r.seconds.toFixed(0)} s (pretrain ${pretrain.toFixed(0)}, probe ${probe.toFixed(0)}, fine-tune ${ft.toFixed(0)})`);
    await o.onArm?.(r);
  };
  const timed = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
    const t = now();
    const v = await f();
    return [v, now() - t];
  };

  log(`seed ${seed}: ${draw.length} labeled target images (draw ${shared.drawId}), ${test.size} test images, pool ${d.targetPool.count}, source ${d.source.count}`);
  let baseParams: Params | undefined;
  let hptParams: Params | undefined;
  const live: Backbone[] = [];
  const track = (bb: Backbone) => (live.push(bb), bb);
  try {
    await finish('scratch', track(fresh()), 0, { pretrainSteps: 0, baseSteps: 0 });

    const baseBb = track(fresh());
    log(`seed ${seed}: supervised base pretraining on the source, ${b.baseSteps} steps`);
    const [baseRun, baseSeconds] = await timed(() => pretrainSupervised(baseBb, { source: d.source, numClasses: SOURCE_CLASSES.length, steps: b.baseSteps, batch: b.baseBatch, seed, mean: d.mean, std: d.std, onLog: log }));
    baseParams = cloneParams(baseBb.params);
    const baseInfo = { seed, steps: baseRun.steps, seconds: baseSeconds, sourceAccuracy: baseRun.sourceAccuracy };
    await finish('base', baseBb, baseSeconds, { pretrainSteps: 0, baseSteps: baseRun.steps });
    const fromBase = () => track(copyInto(fresh(), baseParams!));
    const inherited = { baseSteps: baseRun.steps };

    const spec = track(fresh());
    const [specRun, specSeconds] = await timed(() => ssl(spec, b.specialistSteps, { lr: SSL_OPTIMIZER.scratchLr }));
    await finish('specialist', spec, specSeconds, { pretrainSteps: specRun.steps, baseSteps: 0 });

    const hpt = fromBase();
    const [hptRun, hptSeconds] = await timed(() => ssl(hpt, b.adaptSteps));
    hptParams = cloneParams(hpt.params);
    const hptProbe = await probeScores(hpt, train, test, b.probeEpochs, seed);
    await finish('hpt', hpt, hptSeconds, { pretrainSteps: hptRun.steps, ...inherited }, { probe: hptProbe });

    const hptBn = fromBase();
    const [bnRun, bnSeconds] = await timed(() => ssl(hptBn, b.adaptSteps, { normOnly: true }));
    await finish('hpt-bn', hptBn, bnSeconds, { pretrainSteps: bnRun.steps, ...inherited });

    await finish('hpt-daft', track(copyInto(fresh(), hptParams)), 0, { pretrainSteps: hptRun.steps, ...inherited }, {
      mode: 'daft', probe: hptProbe, note: "same pretrained model as hpt (its probe and pretraining are hpt's)",
    });

    const uft = fromBase();
    const [uftRun, uftSeconds] = await timed(() => ssl(uft, b.adaptSteps, { method: 'moco-uft', pool: uftPool }));
    await finish('uft', uft, uftSeconds, { pretrainSteps: uftRun.steps, ...inherited });

    const p2x = fromBase();
    const [p2xRun, p2xSeconds] = await timed(async () => {
      const dead = await replaceDeadFilters(p2x, p2x.params, { seed });
      const scaled = await scaleWeights(p2x, p2x.params);
      log(`  p2x: ${dead.reduce((s, r) => s + r.dead, 0)} dead filters copied, ${scaled.filter((l) => l.channels > 0).length} conv→BN layers scaled`);
      return ssl(p2x, b.adaptSteps);
    });
    await finish('p2x', p2x, p2xSeconds, { pretrainSteps: p2xRun.steps, ...inherited });
    return { results, base: baseInfo };
  } finally {
    for (const bb of live) disposeParams(bb.params);
    if (baseParams) disposeParams(baseParams);
    if (hptParams) disposeParams(hptParams);
  }
}
