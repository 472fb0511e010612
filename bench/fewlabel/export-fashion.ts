/**
 * Exports Fashion-MNIST as a user would have it: PNG class folders. Target = shoes and bags
 * (classes 5–9), source = clothes (classes 0–4), as in the study.
 *
 *   npx tsx bench/fewlabel/export-fashion.ts OUT_DIR [--per-class 10] [--pool 2000] [--test 500] [--source 2000] [--seed 0] [--all-classes]
 *
 * Writes OUT_DIR/labeled/<class>/*.png (per-class labels from the training file, drawn with the
 * seed), OUT_DIR/unlabeled/*.png (a disjoint pool), OUT_DIR/test/<class>/*.png (from the test
 * file) and OUT_DIR/source/<class>/*.png (clothes, labeled).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import sharp from 'sharp';
import { SeededRandom } from '../../src/engine/train/seed';

const DIR = process.env.FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';
const NAMES = ['tshirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'boot'];
const ALL = process.argv.includes('--all-classes');
/** --all-classes: every class is a target class and there is no source folder */
const TARGET = ALL ? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] : [5, 6, 7, 8, 9];
const SOURCE = ALL ? [] : [0, 1, 2, 3, 4];

function idx(path: string): Uint8Array {
  const buf = gunzipSync(readFileSync(path));
  return buf.subarray(4 + 4 * buf[3]);
}

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}

async function png(pixels: Uint8Array, i: number, path: string): Promise<void> {
  await sharp(Buffer.from(pixels.subarray(i * 784, (i + 1) * 784)), { raw: { width: 28, height: 28, channels: 1 } }).png().toFile(path);
}

/** Indices of each wanted class, shuffled with the seed. */
function byClass(labels: Uint8Array, classes: number[], rng: SeededRandom): Map<number, number[]> {
  const out = new Map(classes.map((c) => [c, [] as number[]]));
  for (const i of rng.permutation(labels.length)) out.get(labels[i])?.push(i);
  return out;
}

async function main(): Promise<void> {
  const out = process.argv[2];
  if (!out || out.startsWith('--')) throw new Error('usage: export-fashion.ts OUT_DIR [--per-class N] [--pool N] [--test N] [--source N] [--seed S]');
  const perClass = arg('per-class', 10), pool = arg('pool', 2000), test = arg('test', 500), source = arg('source', 2000), seed = arg('seed', 0);
  const trainX = idx(join(DIR, 'train-images-idx3-ubyte.gz')), trainY = idx(join(DIR, 'train-labels-idx1-ubyte.gz'));
  const testX = idx(join(DIR, 't10k-images-idx3-ubyte.gz')), testY = idx(join(DIR, 't10k-labels-idx1-ubyte.gz'));
  const train = byClass(trainY, [...TARGET, ...SOURCE], new SeededRandom(seed * 7 + 1));
  const tests = byClass(testY, TARGET, new SeededRandom(1234)); // the same test images for every seed
  const jobs: Promise<void>[] = [];
  const flush = async () => { await Promise.all(jobs); jobs.length = 0; };
  mkdirSync(join(out, 'unlabeled'), { recursive: true });
  for (const c of TARGET) {
    const ids = train.get(c)!;
    mkdirSync(join(out, 'labeled', NAMES[c]), { recursive: true });
    mkdirSync(join(out, 'test', NAMES[c]), { recursive: true });
    for (const i of ids.slice(0, perClass)) jobs.push(png(trainX, i, join(out, 'labeled', NAMES[c], `${i}.png`)));
    for (const i of ids.slice(perClass, perClass + Math.round(pool / TARGET.length))) jobs.push(png(trainX, i, join(out, 'unlabeled', `${i}.png`)));
    for (const i of tests.get(c)!.slice(0, Math.round(test / TARGET.length))) jobs.push(png(testX, i, join(out, 'test', NAMES[c], `${i}.png`)));
    await flush();
  }
  for (const c of SOURCE) {
    mkdirSync(join(out, 'source', NAMES[c]), { recursive: true });
    for (const i of train.get(c)!.slice(0, Math.round(source / SOURCE.length))) jobs.push(png(trainX, i, join(out, 'source', NAMES[c], `${i}.png`)));
    await flush();
  }
  console.log(`wrote ${out}: labeled ${perClass}/class × ${TARGET.length}, unlabeled ${pool}, test ${test}, source ${source}`);
}

await main();
