// quick manual run: npx tsx bench/train/run.mts [arch] [size] [batch] [steps]
import { initBackend } from '../../src/engine/backend/index';
import { benchTrain } from '../../src/engine/backend/train-bench';
const [arch = 'small-resnet', size = '32', batch = '64', steps = '5'] = process.argv.slice(2);
const r = await initBackend({ force: 'wasm', threads: process.env.THREADS ? Number(process.env.THREADS) : undefined });
console.log('threads', r.threads);
const res = await benchTrain({ arch, size: +size, batch: +batch, steps: +steps, onStep: (s) => console.log(s) });
console.log(JSON.stringify({ ...res, stepMs: undefined }));
process.exit(0);
