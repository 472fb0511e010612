// Specialist sweep: scratch's probe beside BYOL-from-scratch probes at given learning rates and
// step counts, quick-budget data, one seed per process:
//   ATTUNE_WASM_THREADS=1 npx tsx bench/study/specialist.ts SEED STEPS LR[,LR...]
import { initBackend } from '../../src/engine/backend/index';
import { allIndices, drawLabeled, labeledImages, loadStudyDomains, TARGET_CLASSES } from '../../src/engine/study/data';
import { BUDGETS } from '../../src/engine/study/budget';
import { createBackbone, disposeParams } from '../../src/engine/models/registry';
import { poolOf, runSslStage } from '../../src/engine/study/pretrain';
import { probeScores } from '../../src/engine/study/evaluate';
const [seedArg = '0', stepsArg = '200', lrArg = '1e-3'] = process.argv.slice(2);
const seed = Number(seedArg);
await initBackend({ force: 'wasm' });
const b = BUDGETS.quick;
const d = await loadStudyDomains(undefined, b.limits);
const k = TARGET_CLASSES.length;
const draw = drawLabeled(d.targetPool, k, b.labelsPerClass, seed);
const train = labeledImages(d.targetPool, draw, k, d.mean, d.std);
const test = labeledImages(d.targetTest, allIndices(d.targetTest.count), k, d.mean, d.std);
const fresh = () => createBackbone('small-resnet', { widths: b.widths, blocks: 1, inChannels: 3 }, seed);
const s = fresh();
console.log(`seed ${seed} scratch LP ${((await probeScores(s, train, test, b.probeEpochs, seed)).accuracy * 100).toFixed(1)}`);
disposeParams(s.params);
for (const lr of lrArg.split(',').map(Number)) {
  const t = performance.now();
  const bb = fresh();
  await runSslStage(bb, { method: 'byol', steps: Number(stepsArg), batch: b.sslBatch, seed, pool: poolOf(d.targetPool), mean: d.mean, std: d.std, lr });
  const lp = (await probeScores(bb, train, test, b.probeEpochs, seed)).accuracy;
  console.log(`seed ${seed} specialist steps ${stepsArg} lr ${lr} LP ${(lp * 100).toFixed(1)} (${((performance.now() - t) / 1000).toFixed(0)} s)`);
  disposeParams(bb.params);
}
process.exit(0);
