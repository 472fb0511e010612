/**
 * Fixture: a folder of real PNG images written from Fashion-MNIST (class folders), with one
 * corrupt file and one duplicate, so the health report has something to say.
 */
import { mkdirSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import sharp from 'sharp';

export const FASHION_DIR = process.env.FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';
const NAMES = ['tshirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'boot'];

function idx(path: string): Uint8Array {
  const buf = gunzipSync(readFileSync(path));
  const dims = buf[3];
  return buf.subarray(4 + 4 * dims);
}

/** Writes `perClass` PNGs of each class into `<dir>/<class>/`; returns the class folder names. */
export async function writeFashionFolder(dir: string, classes: number[], perClass: number, opts: { corrupt?: boolean; duplicate?: boolean } = {}): Promise<string[]> {
  const pixels = idx(join(FASHION_DIR, 'train-images-idx3-ubyte.gz'));
  const labels = idx(join(FASHION_DIR, 'train-labels-idx1-ubyte.gz'));
  const taken = new Map(classes.map((c) => [c, 0]));
  for (const c of classes) mkdirSync(join(dir, NAMES[c]), { recursive: true });
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    const n = taken.get(c);
    if (n === undefined || n >= perClass) continue;
    taken.set(c, n + 1);
    const img = Buffer.from(pixels.subarray(i * 784, (i + 1) * 784));
    await sharp(img, { raw: { width: 28, height: 28, channels: 1 } }).png().toFile(join(dir, NAMES[c], `${String(i).padStart(5, '0')}.png`));
    if ([...taken.values()].every((v) => v >= perClass)) break;
  }
  const first = NAMES[classes[0]];
  if (opts.corrupt) writeFileSync(join(dir, first, 'broken.png'), Buffer.from('this is not a PNG file'));
  if (opts.duplicate) {
    const src = join(dir, first);
    const file = (await import('node:fs')).readdirSync(src).find((f) => f.endsWith('.png') && f !== 'broken.png')!;
    copyFileSync(join(src, file), join(src, `copy-of-${file}`));
  }
  return classes.map((c) => NAMES[c]);
}
