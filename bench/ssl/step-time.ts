/**
 * SSL step time per architecture × method, against that architecture's supervised step
 * (not CI). For every backbone of the model registry and every SSL method (byol, moco, simclr,
 * swav, and moco with UFT's CutMix, 'uft'), the median time of an optimiser step
 * (`sslStep`: gradients of the method's loss over two views, the optimiser, the end-of-step
 * hook) at a small size, divided by the median supervised step (`benchTrain`: backbone →
 * linear head → softmax cross-entropy, SGD with momentum) on the same images (the first view).
 * Methods are built as the pipeline builds them (`methodForStage`: heads min(1024, 4·featureDim)
 * → 128 with `--head-norm`), optimiser `--optimizer` (LARS, as the blog recipe).
 *
 * Each combination runs in its own process with a time cap, so a stall is reported as
 * "did not complete in N s" and a crash (e.g. wasm's 4 GB heap running out) as "failed", and
 * neither stops the table. Also printed: the wasm heap's high-water mark (its ceiling is 4 GB).
 * Issue 25: BYOL on bit-r50x1 stalled (the target forwards kept their tape memory).
 *
 *   npx tsx bench/ssl/step-time.ts [--archs bit-r50x1,small-resnet] [--methods byol,moco]
 *     [--size 32] [--batch 4] [--steps 3] [--warmup 1] [--cap 240] [--threads 1]
 *     [--optimizer lars] [--head-norm layer] [--skip-supervised] [--json]
 *
 * `--skip-supervised` leaves out the supervised row (and the × sup column), to time one method
 * per invocation; `--methods ''` times the supervised step only.
 *
 * Timings share the CPU with whatever else runs: compare ratios from one run, not absolute
 * times across runs.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const METHODS = ['byol', 'moco', 'simclr', 'swav', 'uft'] as const;

const { values: args } = parseArgs({
  options: {
    archs: { type: 'string' },
    methods: { type: 'string', default: METHODS.join(',') },
    size: { type: 'string', default: '32' },
    batch: { type: 'string', default: '4' },
    steps: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    cap: { type: 'string', default: '240' },
    threads: { type: 'string', default: '1' },
    optimizer: { type: 'string', default: 'lars' },
    'head-norm': { type: 'string', default: 'layer' },
    'skip-supervised': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    // internal: run one combination and print its result as JSON
    child: { type: 'string' },
    arch: { type: 'string' },
  },
});

const size = Number(args.size);
const batch = Number(args.batch);
const steps = Number(args.steps);
const warmup = Number(args.warmup);
const capS = Number(args.cap);
const threads = Number(args.threads);

/** What one child reports. */
interface ChildResult {
  medianMs: number;
  stepMs: number[];
  heapGB: number;
  loss: number;
  /** live tensors after each timed step (flat when nothing leaks) */
  tensors: number[];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** One combination, in this process: 'supervised' or an SSL method name. */
async function runChild(arch: string, kind: string): Promise<ChildResult> {
  const tf = await import('@tensorflow/tfjs-core');
  const { initBackend } = await import('../../src/engine/backend');
  await initBackend({ force: 'wasm', threads });
  const heapGB = () => +((tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length / 2 ** 30).toFixed(2);
  if (kind === 'supervised') {
    // the same images as the SSL steps' first view (benchSslStep draws its views with seeds 1 and 2)
    const x = tf.randomNormal([batch, size, size, 3], 0, 1, 'float32', 1) as import('@tensorflow/tfjs-core').Tensor4D;
    const { benchTrain } = await import('../../src/engine/backend/train-bench');
    const classes = 10;
    const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % classes), 'int32'), classes), 'float32')) as import('@tensorflow/tfjs-core').Tensor2D;
    const tensors: number[] = [];
    const r = await benchTrain({ arch, size, batch, steps, warmup, classes, inputs: [{ x, y }], onStep: (s) => { if (s.step > warmup) tensors.push(s.numTensors); } });
    return { medianMs: r.stepMsMedian, stepMs: r.stepMs, heapGB: heapGB(), loss: r.lastLoss, tensors };
  }
  const { benchSslStep } = await import('../../src/engine/backend/ssl-bench');
  type Stage = Parameters<typeof benchSslStep>[0]['stage'];
  const stage = {
    kind: 'pretrain', name: 'bench', method: kind === 'uft' ? 'moco' : kind, cutmix: kind === 'uft',
    headNorm: args['head-norm'], projectorOut: 128, backboneTraining: 'all',
    optimizer: args.optimizer, weightDecay: 1.5e-6, lr: 0.05, totalSteps: 1000,
    // the default K 4096 when the batch divides it
    queueSize: 4096 % batch === 0 ? 4096 : batch * Math.max(1, Math.floor(4096 / batch)),
  } as unknown as Stage;
  const r = await benchSslStep({ arch, stage, size, batch, steps, warmup });
  return { medianMs: r.stepMsMedian, stepMs: r.stepMs, heapGB: heapGB(), loss: r.lastLoss, tensors: r.tensors };
}

/** Outcome of one combination as the parent sees it. */
type Outcome = { ok: true; r: ChildResult; wallS: number } | { ok: false; why: string; wallS: number };

/** Runs one combination in a child process, killed after `capS` seconds. */
function runCapped(arch: string, kind: string): Promise<Outcome> {
  const script = fileURLToPath(import.meta.url);
  const passOn = ['--size', args.size!, '--batch', args.batch!, '--steps', args.steps!, '--warmup', args.warmup!, '--threads', args.threads!, '--optimizer', args.optimizer!, '--head-norm', args['head-norm']!];
  const t0 = performance.now();
  return new Promise((resolve) => {
    // process.execArgv carries tsx's loader, so the child runs this TypeScript file as we do
    const child = spawn(process.execPath, [...process.execArgv, script, '--child', kind, '--arch', arch, ...passOn], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ATTUNE_WASM_THREADS: String(threads) },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err = (err + d).slice(-20_000)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, capS * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const wallS = (performance.now() - t0) / 1000;
      if (timedOut) return resolve({ ok: false, why: `did not complete in ${capS} s`, wallS });
      const line = out.trim().split('\n').reverse().find((l) => l.startsWith('{"result"'));
      if (code === 0 && line) return resolve({ ok: true, r: (JSON.parse(line) as { result: ChildResult }).result, wallS });
      const errLine = err.split('\n').map((l) => l.trim()).filter((l) => /Error|error:/.test(l) && l.length < 300).pop() ?? `exit ${code ?? signal}`;
      resolve({ ok: false, why: `failed: ${errLine}`, wallS });
    });
  });
}

async function main(): Promise<void> {
  if (args.child) {
    const r = await runChild(args.arch!, args.child);
    console.log(JSON.stringify({ result: r }));
    process.exit(0);
  }
  const { listArchitectures } = await import('../../src/engine/models/registry');
  const archs = args.archs ? args.archs.split(',') : listArchitectures();
  const methods = args.methods!.split(',').filter(Boolean); // '' times the supervised step only
  for (const m of methods) if (!(METHODS as readonly string[]).includes(m)) throw new Error(`unknown method '${m}' (known: ${METHODS.join(', ')})`);
  const rows: Record<string, unknown>[] = [];
  const fmtS = (ms: number) => (ms / 1000).toFixed(2);
  const header = `${'arch'.padEnd(16)} ${'method'.padEnd(11)} ${'step s'.padStart(8)} ${'× sup'.padStart(6)} ${'heap GB'.padStart(8)}  note`;
  console.log(`# ${size} px, batch ${batch}, median of ${steps} steps after ${warmup} warm-up; wasm, ${threads} thread(s); ${args.optimizer}, ${args['head-norm']} heads; cap ${capS} s per combination`);
  console.log(header);
  for (const arch of archs) {
    const sup: Outcome | undefined = args['skip-supervised'] ? undefined : await runCapped(arch, 'supervised');
    const supMs = sup?.ok ? sup.r.medianMs : NaN;
    const line = (method: string, o: Outcome, ratio: string) => {
      const note = o.ok ? (o.r.tensors.every((n) => n === o.r.tensors[0]) ? '' : `tensors ${o.r.tensors.join('→')}`) : o.why;
      console.log(`${arch.padEnd(16)} ${method.padEnd(11)} ${(o.ok ? fmtS(o.r.medianMs) : '-').padStart(8)} ${ratio.padStart(6)} ${(o.ok ? o.r.heapGB.toFixed(2) : '-').padStart(8)}  ${note}`);
      rows.push({ arch, method, ...(o.ok ? { stepMs: o.r.stepMs.map(Math.round), medianMs: Math.round(o.r.medianMs), heapGB: o.r.heapGB, tensors: o.r.tensors } : { error: o.why }), ...(o.ok && method !== 'supervised' && Number.isFinite(supMs) ? { ratio: +(o.r.medianMs / supMs).toFixed(2) } : {}), wallS: Math.round(o.wallS) });
    };
    if (sup) line('supervised', sup, sup.ok ? '1.00' : '-');
    for (const method of methods) {
      const o = await runCapped(arch, method);
      line(method === 'uft' ? 'moco+cutmix' : method, o, o.ok && sup?.ok ? (o.r.medianMs / supMs).toFixed(2) : '-');
    }
  }
  if (args.json) console.log(JSON.stringify(rows));
}

await main();
