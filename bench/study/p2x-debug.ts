// Why does fine-tuning after P2X's weight scaling do badly? Base (30 steps) → scale → FT, with and without the scaling.
// ATTUNE_WASM_THREADS=1 npx tsx bench/study/p2x-debug.ts
import { initBackend } from '../../src/engine/backend/index';
import { allIndices, drawLabeled, labeledImages, loadStudyDomains } from '../../src/engine/study/data';
import { pretrainSupervised } from '../../src/engine/study/pretrain';
import { cloneParams, createBackbone } from '../../src/engine/models/registry';
import { scaleWeights } from '../../src/engine/adapt/weight-scaling';
import { replaceDeadFilters } from '../../src/engine/adapt/dead-filters';
import { finetune } from '../../src/engine/finetune/finetune';
await initBackend({ force: 'wasm' });
const d = await loadStudyDomains(undefined, { testPerClass: 100 });
const cfg = { widths: [16, 32, 64], blocks: 1, inChannels: 3 };
const bb = createBackbone('small-resnet', cfg, 0);
await pretrainSupervised(bb, { source: d.source, numClasses: 5, steps: 30, batch: 64, seed: 0, mean: d.mean, std: d.std });
const base = cloneParams(bb.params);
const draw = drawLabeled(d.targetPool, 5, 10, 0);
const train = labeledImages(d.targetPool, draw, 5, d.mean, d.std);
const test = labeledImages(d.targetTest, allIndices(d.targetTest.count), 5, d.mean, d.std);
for (const scale of [false, true]) {
  const b = createBackbone('small-resnet', cfg, 0);
  for (const [k, v] of base) b.params.get(k)!.assign(v);
  if (scale) {
    await replaceDeadFilters(b, b.params, { seed: 0 });
    const rep = await scaleWeights(b, b.params);
    console.log('scaled', rep.map((r) => `${r.conv}:${r.maxScale.toFixed(2)}`).join(' '));
    const v = [...b.params.entries()].filter(([k]) => k.endsWith('running_var')).map(([k, t]) => `${k}:${Math.min(...(t.dataSync() as Float32Array)).toExponential(1)}`);
    console.log('min running var', v.join(' '));
  }
  const r = await finetune({ mode: 'ft', backbone: b, seed: 0, batchSize: 50, epochs: 20, data: { train, val: train, test }, lr: 0.02,
    optimizer: { kind: 'sgd', momentum: 0.9, weightDecay: 1e-4 }, earlyStopping: false, restoreBest: false, tta: false, bootstrapResamples: 0 },
    { onEpoch: (m) => { if (m.epoch % 5 === 4) console.log(scale ? 'p2x' : 'base', m.epoch, m.trainLoss.toFixed(3), m.valAccuracy.toFixed(2)); } });
  console.log(scale ? 'p2x' : 'base', 'test acc', r.evaluation.plain.accuracy, r.stopReason);
}
process.exit(0);
