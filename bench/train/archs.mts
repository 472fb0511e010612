// one training step per architecture on wasm, tiny inputs: checks every gradient kernel exists
import { initBackend } from '../../src/engine/backend/index';
import { benchTrain } from '../../src/engine/backend/train-bench';
import { listArchitectures } from '../../src/engine/models/registry';
await initBackend({ force: 'wasm' });
for (const arch of listArchitectures()) {
  try {
    const r = await benchTrain({ arch, size: 32, batch: 2, steps: 1, warmup: 1 });
    console.log(arch.padEnd(18), 'ok', r.stepMsMedian.toFixed(0), 'ms', r.lastLoss.toFixed(3));
  } catch (e) {
    console.log(arch.padEnd(18), 'FAILED', (e as Error).message.split('\n')[0]);
  }
}
process.exit(0);
