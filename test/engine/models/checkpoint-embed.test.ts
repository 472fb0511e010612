/**
 * Checkpoints (safetensors + sidecar, atomic, validated on read) and `attune embed` on real
 * images written and decoded by sharp.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { createBackbone } from '../../../src/engine/models/registry';
import { createHead, headForward, linearHeadSpec } from '../../../src/engine/models/heads';
import { readCheckpoint, sidecarPath, writeCheckpoint } from '../../../src/engine/models/checkpoint';
import { readNpy, writeNpy } from '../../../src/engine/models/formats/npy';
import { memoryIo } from '../../../src/cli/io';
import { run as embed } from '../../../src/cli/commands/embed';

const dir = mkdtempSync(join(tmpdir(), 'attune-ckpt-'));
const ckpt = join(dir, 'model.safetensors');
const config = { widths: [8, 16], blocks: 1 };

beforeAll(async () => {
  await tf.setBackend('wasm');
  mkdirSync(join(dir, 'images'));
  for (let i = 0; i < 5; i++) {
    const size = 40 + i * 7;
    const pixels = Buffer.alloc(size * size * 3);
    for (let p = 0; p < pixels.length; p++) pixels[p] = (p * (i + 3) + (p % 3) * 80) % 256;
    await sharp(pixels, { raw: { width: size, height: size, channels: 3 } }).png().toFile(join(dir, 'images', `img${i}.png`));
  }
  writeFileSync(join(dir, 'images', 'notes.txt'), 'not an image');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function trainedModel() {
  const backbone = createBackbone('small-resnet', config, 7);
  // give BN non-trivial running statistics through a train-mode pass
  tf.tidy(() => void backbone.forwardFeatures(backbone.params, tf.randomNormal([4, 16, 16, 3], 0, 1, 'float32', 1) as tf.Tensor4D, { bnMode: 'train' }));
  const spec = linearHeadSpec(backbone.featureDim, 3);
  const head = { prefix: 'fc', spec, params: createHead(spec, 'fc', 3).params };
  return { backbone, head };
}

describe('checkpoints', () => {
  it('round-trips weights, head, normalisation, class names and provenance', async () => {
    const { backbone, head } = trainedModel();
    const meta = await writeCheckpoint(ckpt, backbone, {
      head, classNames: ['a', 'b', 'c'], normalization: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
      provenance: { runId: 'run-1', sourceFileSha256: 'f'.repeat(64) },
    });
    expect(meta.weightsSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const back = readCheckpoint(ckpt);
    expect(back.meta.arch).toBe('small-resnet');
    expect(back.meta.classNames).toEqual(['a', 'b', 'c']);
    expect(back.meta.provenance.runId).toBe('run-1');
    const x = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
    const logits = (b: typeof backbone, h: typeof head) => headForward(h.params, 'fc', h.spec, b.forwardFeatures(b.params, x, { bnMode: 'eval' }), { bnMode: 'eval' }).dataSync();
    expect(Array.from(logits(back.backbone, back.head!))).toEqual(Array.from(logits(backbone, head)));
    expect(Array.from(back.backbone.params.get('bn1.running_var')!.dataSync())).toEqual(Array.from(backbone.params.get('bn1.running_var')!.dataSync()));
  });

  it('rejects a tampered weights file, a broken sidecar and a missing sidecar, naming the file', async () => {
    const bad = join(dir, 'bad.safetensors');
    writeFileSync(bad, readFileSync(ckpt));
    const side = JSON.parse(readFileSync(sidecarPath(ckpt), 'utf8'));
    writeFileSync(sidecarPath(bad), JSON.stringify({ ...side, normalization: { mean: [0, 0, 0], std: [-1, 1, 1] } }));
    expect(() => readCheckpoint(bad)).toThrow(/bad\.attune\.json: invalid checkpoint sidecar at "normalization\.std\.0"/);
    writeFileSync(sidecarPath(bad), JSON.stringify(side));
    const bytes = readFileSync(ckpt);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(bad, bytes);
    expect(() => readCheckpoint(bad)).toThrow(/bad\.safetensors: weights do not match the sidecar's SHA-256/);
    rmSync(sidecarPath(bad));
    expect(() => readCheckpoint(bad)).toThrow(/checkpoint sidecar is missing/);
    await expect(writeCheckpoint(join(dir, 'x.bin'), createBackbone('small-resnet', { widths: [4] }))).rejects.toThrow(/must end in \.safetensors/);
  });
});

describe('attune embed', () => {
  it('embeds a folder of real images with a checkpoint and writes features and logits', async () => {
    expect(existsSync(ckpt)).toBe(true);
    const io = memoryIo();
    const out = join(dir, 'f.npy');
    const logitsOut = join(dir, 'l.npy');
    const code = await embed(['--weights', ckpt, '--images', join(dir, 'images'), '--size', '32', '--out', out, '--logits-out', logitsOut, '--batch', '2', '--json'], io);
    expect(io.stderr).toEqual([]);
    expect(code).toBe(0);
    const summary = JSON.parse(io.stdout[0]);
    expect(summary).toMatchObject({ arch: 'small-resnet', count: 5, featureDim: 16 });
    expect(summary.files.map((f: string) => f.split('/').pop())).toEqual(['img0.png', 'img1.png', 'img2.png', 'img3.png', 'img4.png']);
    const f = readNpy(new Uint8Array(readFileSync(out)));
    const l = readNpy(new Uint8Array(readFileSync(logitsOut)));
    expect(f.shape).toEqual([5, 16]);
    expect(l.shape).toEqual([5, 3]);
    // different images give different features; batching does not change results
    expect(Array.from(f.data.subarray(0, 16))).not.toEqual(Array.from(f.data.subarray(16, 32)));
    const io2 = memoryIo();
    await embed(['--weights', ckpt, '--images', join(dir, 'images'), '--size', '32', '--out', join(dir, 'f5.npy'), '--batch', '5'], io2);
    const f5 = readNpy(new Uint8Array(readFileSync(join(dir, 'f5.npy'))));
    for (let i = 0; i < f.data.length; i++) expect(f5.data[i]).toBeCloseTo(f.data[i], 4);
  });

  it('embeds an NHWC .npy input', async () => {
    const input = join(dir, 'x.npy');
    writeFileSync(input, writeNpy(Float32Array.from({ length: 3 * 16 * 16 * 3 }, (_, i) => Math.sin(i)), [3, 16, 16, 3]));
    const io = memoryIo();
    expect(await embed(['--weights', ckpt, '--input-npy', input, '--out', join(dir, 'fx.npy')], io)).toBe(0);
    expect(readNpy(new Uint8Array(readFileSync(join(dir, 'fx.npy')))).shape).toEqual([3, 16]);
  });

  it('embeds with imported PyTorch weights (--arch, --config) and matches the committed PyTorch logits', async () => {
    const io = memoryIo();
    const fx = (f: string) => join('test/fixtures/weights', f);
    const out = join(dir, 'imp-f.npy');
    const logitsOut = join(dir, 'imp-l.npy');
    const code = await embed(['--arch', 'small-resnet', '--config', '{"widths":[8,16]}', '--weights', fx('small-resnet.safetensors'),
      '--input-npy', fx('small-resnet.input.npy'), '--out', out, '--logits-out', logitsOut, '--json'], io);
    expect(code).toBe(0);
    expect(JSON.parse(io.stdout[0]).import).toMatchObject({ missing: [], unexpected: [], strippedPrefix: 'module.' });
    const got = readNpy(new Uint8Array(readFileSync(logitsOut))).data;
    const want = readNpy(new Uint8Array(readFileSync(fx('small-resnet.logits.npy')))).data;
    want.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 4));
    await expect(embed(['--arch', 'small-resnet', '--config', '{oops', '--weights', fx('small-resnet.safetensors'), '--input-npy', fx('small-resnet.input.npy')], io)).rejects.toThrow(/--config must be a JSON object/);
  });

  it('explains bad invocations', async () => {
    const io = memoryIo();
    await expect(embed(['--weights', ckpt], io)).rejects.toThrow(/exactly one of --images DIR or --input-npy/);
    await expect(embed(['--weights', ckpt, '--images', dir], io)).rejects.toThrow(/--images needs --size/);
    await expect(embed(['--weights', ckpt, '--arch', 'resnet18', '--input-npy', join(dir, 'x.npy'), '--out', join(dir, 'o.npy')], io)).rejects.toThrow(/does not match the checkpoint's small-resnet/);
    const noHead = join(dir, 'nohead.safetensors');
    await writeCheckpoint(noHead, createBackbone('small-resnet', config, 1));
    expect(await embed(['--weights', noHead, '--input-npy', join(dir, 'x.npy'), '--out', join(dir, 'o.npy'), '--logits-out', join(dir, 'ol.npy')], io)).toBe(1);
    expect(io.stderr.join('\n')).toMatch(/has no classifier head/);
    const pth = join(dir, 'resnet50.pth');
    writeFileSync(pth, new Uint8Array([0x80, 2]));
    expect(await embed(['--arch', 'resnet50', '--weights', pth, '--input-npy', join(dir, 'x.npy'), '--out', join(dir, 'o.npy')], io)).toBe(1);
    expect(io.stderr.join('\n')).toMatch(/refusing to load a pickled PyTorch file/);
  });
});
