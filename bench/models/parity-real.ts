/**
 * Real-sized parity benchmark (not CI): PyTorch writes random-init weights and eval-mode
 * outputs at 224×224 (bench/peer/make_weights.py); Attune imports them and compares.
 *
 *   npx tsx bench/models/parity-real.ts [--archs resnet50,bit-r50x1,efficientnet-b0,resnet18] [--size 224] [--batch 2]
 *
 * Prints one line per architecture: relative error of features and logits, import and
 * forward times on the active backend (initBackend: wasm here).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend';
import { createBackbone, disposeParams } from '../../src/engine/models/registry';
import { readWeightFile } from '../../src/engine/models/import/read-file';
import { loadWeights } from '../../src/engine/models/import/load';
import { headForward } from '../../src/engine/models/heads';
import { readNpy } from '../../src/engine/models/formats/npy';

function relError(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

async function main() {
  const { values } = parseArgs({ options: { archs: { type: 'string' }, size: { type: 'string' }, batch: { type: 'string' } } });
  const archs = (values.archs ?? 'resnet50').split(',');
  const size = values.size ?? '224';
  const dir = mkdtempSync(join(tmpdir(), 'attune-parity-real-'));
  try {
    const report = await initBackend();
    let t = Date.now();
    execFileSync('/usr/bin/python3', ['bench/peer/make_weights.py', dir, '--size', size, '--batch', values.batch ?? '2', '--archs', archs.join(',')], { stdio: 'inherit' });
    console.log(`PyTorch peer wrote weights and outputs in ${Date.now() - t} ms; backend ${report.backend} (${report.threads} threads)`);
    const npy = (f: string) => readNpy(new Uint8Array(readFileSync(join(dir, f))), f);
    const input = npy('input.npy');
    for (const arch of archs) {
      const file = arch.startsWith('bit-') ? `${arch}.npz` : `${arch}.safetensors`;
      t = Date.now();
      const backbone = createBackbone(arch, {}, 0, { skipInit: true });
      const { head } = loadWeights(backbone, readWeightFile(join(dir, file)), { withHead: true, strict: true });
      const importMs = Date.now() - t;
      const x = tf.tensor4d(input.data, input.shape as [number, number, number, number]);
      t = Date.now();
      const feats = backbone.forwardFeatures(backbone.params, x, { bnMode: 'eval' });
      const logits = headForward(head!.params, head!.prefix, head!.spec, feats, { bnMode: 'eval' });
      const f = (await feats.data()) as Float32Array;
      const l = (await logits.data()) as Float32Array;
      const fwdMs = Date.now() - t;
      console.log(`${arch} ${size}px batch ${input.shape[0]}: features rel.err ${relError(f, npy(`${arch}.features.npy`).data).toExponential(2)}, logits rel.err ${relError(l, npy(`${arch}.logits.npy`).data).toExponential(2)}; create+import ${importMs} ms, forward ${fwdMs} ms`);
      tf.dispose([x, feats, logits]);
      disposeParams(backbone.params);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
