/**
 * Writes the example project's data: a small subset of Fashion-MNIST as gzipped IDX files.
 * Source domain = classes 0–4 (tops, trousers, pullovers, dresses, coats), target domain =
 * classes 5–9 (sandals, shirts, sneakers, bags, ankle boots). Deterministic: the first N images
 * of each class, in file order.
 *
 *   npx tsx resources/example/make-example.ts [/usr/share/datasets/fashion-mnist]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { join } from 'node:path';

const SRC = process.argv[2] ?? '/usr/share/datasets/fashion-mnist';
const OUT = new URL('.', import.meta.url).pathname;
const SIDE = 28;

function readIdx(path: string, magic: number): { count: number; body: Uint8Array } {
  const buf = gunzipSync(readFileSync(path));
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (view.getUint32(0, false) !== magic) throw new Error(`${path}: not an IDX file with magic 0x${magic.toString(16)}`);
  const dims = magic & 0xff;
  return { count: view.getUint32(4, false), body: buf.subarray(4 + 4 * dims) };
}

function header(magic: number, dims: number[]): Buffer {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return h;
}

/** Picks `perClass` images of each listed class, interleaved in file order. */
function subset(split: 'train' | 't10k', classes: number[], perClass: number): { images: Buffer; labels: Buffer; count: number } {
  const images = readIdx(join(SRC, `${split}-images-idx3-ubyte.gz`), 0x803);
  const labels = readIdx(join(SRC, `${split}-labels-idx1-ubyte.gz`), 0x801);
  const taken = new Map(classes.map((c) => [c, 0]));
  const pickedImages: Uint8Array[] = [];
  const pickedLabels: number[] = [];
  for (let i = 0; i < labels.count; i++) {
    const c = labels.body[i];
    const n = taken.get(c);
    if (n === undefined || n >= perClass) continue;
    taken.set(c, n + 1);
    pickedImages.push(images.body.subarray(i * SIDE * SIDE, (i + 1) * SIDE * SIDE));
    pickedLabels.push(c);
  }
  const count = pickedLabels.length;
  return {
    images: Buffer.concat([header(0x803, [count, SIDE, SIDE]), ...pickedImages]),
    labels: Buffer.concat([header(0x801, [count]), Buffer.from(pickedLabels)]),
    count,
  };
}

const SETS = [
  { name: 'source-train', split: 'train', classes: [0, 1, 2, 3, 4], perClass: 300 },
  { name: 'target-train', split: 'train', classes: [5, 6, 7, 8, 9], perClass: 200 },
  { name: 'target-test', split: 't10k', classes: [5, 6, 7, 8, 9], perClass: 100 },
] as const;

for (const s of SETS) {
  const { images, labels, count } = subset(s.split, [...s.classes], s.perClass);
  writeFileSync(join(OUT, `${s.name}-images-idx3-ubyte.gz`), gzipSync(images, { level: 9 }));
  writeFileSync(join(OUT, `${s.name}-labels-idx1-ubyte.gz`), gzipSync(labels, { level: 9 }));
  console.log(`${s.name}: ${count} images of classes ${s.classes.join(', ')}`);
}
