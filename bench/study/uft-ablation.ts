// UFT ablation at the quick budget: from the seed's supervised base, MoCo v2 on the target pool
// with and without sparse source replay (10 %) and with and without CutMix of the queries
// (both = the study's `uft` arm); linear probe and fine-tune as in the study. One seed per process:
//   ATTUNE_WASM_THREADS=1 npx tsx bench/study/uft-ablation.ts SEED OUT.json
import { writeFileSync } from 'node:fs';
import { initBackend } from '../../src/engine/backend/index';
import { allIndices, drawLabeled, labeledImages, loadStudyDomains, SOURCE_CLASSES, TARGET_CLASSES } from '../../src/engine/study/data';
import { BUDGETS } from '../../src/engine/study/budget';
import { cloneParams, createBackbone, disposeParams } from '../../src/engine/models/registry';
import { poolOf, pretrainSupervised, runSslStage } from '../../src/engine/study/pretrain';
import { finetuneScores, probeScores } from '../../src/engine/study/evaluate';
import { sourceReplay } from '../../src/engine/study/run-study';

const [seedArg = '0', out = 'bench/study/out/uft-ablation.json'] = process.argv.slice(2);
const seed = Number(seedArg);
await initBackend({ force: 'wasm' });
const b = BUDGETS[(process.env.STUDY_BUDGET ?? 'quick') as keyof typeof BUDGETS]; // mini: a seconds-long smoke run
const d = await loadStudyDomains(undefined, b.limits);
const k = TARGET_CLASSES.length;
const draw = drawLabeled(d.targetPool, k, b.labelsPerClass, seed);
const train = labeledImages(d.targetPool, draw, k, d.mean, d.std);
const test = labeledImages(d.targetTest, allIndices(d.targetTest.count), k, d.mean, d.std);
const val = labeledImages(d.targetPool, draw.filter((_, i) => i % b.labelsPerClass === 0), k, d.mean, d.std);
const fresh = () => createBackbone('small-resnet', { widths: b.widths, blocks: 1, inChannels: 3 }, seed);
const base = fresh();
await pretrainSupervised(base, { source: d.source, numClasses: SOURCE_CLASSES.length, steps: b.baseSteps, batch: b.baseBatch, seed, mean: d.mean, std: d.std });
const baseParams = cloneParams(base.params);
disposeParams(base.params);
const target = poolOf(d.targetPool);
const variants = [
  { name: 'moco', method: 'moco' as const, pool: target },
  { name: 'moco + replay', method: 'moco' as const, pool: [...target, ...sourceReplay(d, seed)] },
  { name: 'moco + cutmix', method: 'moco-uft' as const, pool: target },
  { name: 'uft (replay + cutmix)', method: 'moco-uft' as const, pool: [...target, ...sourceReplay(d, seed)] },
];
const results = [];
for (const v of variants) {
  const bb = fresh();
  for (const [name, t] of baseParams) bb.params.get(name)!.assign(t);
  await runSslStage(bb, { method: v.method, steps: b.adaptSteps, batch: b.sslBatch, seed, pool: v.pool, mean: d.mean, std: d.std, mocoQueue: b.mocoQueue });
  const lp = (await probeScores(bb, train, test, b.probeEpochs, seed)).accuracy;
  const ft = (await finetuneScores(bb, train, val, test, 'ft', b.finetuneSteps, seed)).accuracy;
  results.push({ variant: v.name, seed, linearProbe: lp, finetune: ft });
  console.log(`seed ${seed} ${v.name.padEnd(22)} LP ${(lp * 100).toFixed(1)} FT ${(ft * 100).toFixed(1)}`);
  disposeParams(bb.params);
}
writeFileSync(out, JSON.stringify({ budget: b.name, seed, steps: b.adaptSteps, results }));
process.exit(0);
