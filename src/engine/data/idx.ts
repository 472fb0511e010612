/**
 * IDX files (the MNIST format, optionally gzipped) as a dataset: the built-in example uses
 * Fashion-MNIST from /usr/share/datasets/fashion-mnist. Images are served straight from
 * the parsed array; no image files are written.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { ImageRecord, ImageRole, SplitName } from '../../shared/schemas/dataset';
import type { CacheItem } from './cache';

/** The class names of Fashion-MNIST, in label order. */
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** Parses an IDX buffer (unsigned-byte data only, the type MNIST uses). */
export function parseIdx(buf: Uint8Array, name = 'IDX file'): IdxArray {
  if (buf.length < 4) throw new Error(`${name}: too short to be an IDX file`);
  if (buf[0] !== 0 || buf[1] !== 0) throw new Error(`${name}: not an IDX file (magic must start with two zero bytes)`);
  if (buf[2] !== 0x08) throw new Error(`${name}: not unsigned-byte IDX data (type 0x08), the only type supported`);
  const nd = buf[3];
  if (nd < 1 || nd > 4) throw new Error(`${name}: not an IDX file with 1 to 4 dimensions`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < nd; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const offset = 4 + 4 * nd;
  const size = dims.reduce((a, b) => a * b, 1);
  if (buf.length - offset < size) throw new Error(`${name}: truncated (the file is shorter than its header says)`);
  return { dims, data: buf.subarray(offset, offset + size) };
}

/** Reads an IDX file, gunzipping when the name ends in .gz or the content is gzip. */
export async function readIdx(path: string): Promise<IdxArray> {
  let buf: Uint8Array;
  try {
    buf = await readFile(path);
  } catch (e) {
    throw new Error(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch (e) {
      throw new Error(`${path}: corrupt gzip data (${(e as Error).message})`);
    }
  }
  return parseIdx(buf, path);
}

/** An in-memory image set: N images of height×width×channels uint8, with labels. */
export interface IdxDataset {
  name: string;
  count: number;
  height: number;
  width: number;
  channels: number;
  /** N·H·W·C uint8, row-major */
  pixels: Uint8Array;
  /** label index per image, or null for unlabeled */
  labels: Uint8Array | null;
  classNames: string[];
}

/** Loads an images IDX file and (optionally) its labels IDX file. */
export async function loadIdxDataset(imagesPath: string, labelsPath?: string, classNames?: string[]): Promise<IdxDataset> {
  const img = await readIdx(imagesPath);
  if (img.dims.length !== 3 && img.dims.length !== 4) throw new Error(`${imagesPath}: not an IDX image file (images need 3 or 4 dimensions: N, H, W[, C])`);
  const [count, height, width, channels = 1] = img.dims;
  let labels: Uint8Array | null = null;
  if (labelsPath) {
    const lab = await readIdx(labelsPath);
    if (lab.dims.length !== 1 || lab.dims[0] !== count) throw new Error(`${labelsPath}: does not hold one label per image of ${imagesPath} (${count} images)`);
    labels = lab.data;
  }
  const maxLabel = labels ? labels.reduce((m, v) => Math.max(m, v), 0) : -1;
  const names = classNames ?? Array.from({ length: maxLabel + 1 }, (_, i) => String(i));
  if (labels && names.length <= maxLabel) throw new Error(`${labelsPath}: holds labels beyond the ${names.length} class names given`);
  return { name: basename(imagesPath).replace(/\.gz$/, ''), count, height, width, channels, pixels: img.data, labels, classNames: names };
}

/** The pixels of image i (a view, no copy). */
export function idxImage(ds: IdxDataset, i: number): Uint8Array {
  const size = ds.height * ds.width * ds.channels;
  return ds.pixels.subarray(i * size, (i + 1) * size);
}

/** Image records of an IDX dataset, in batches, so the store can list them like files. */
export function* idxRecords(ds: IdxDataset, role: ImageRole, split: SplitName | null = null, batchSize = 1024): Generator<ImageRecord[]> {
  let batch: ImageRecord[] = [];
  const bytes = ds.height * ds.width * ds.channels;
  for (let i = 0; i < ds.count; i++) {
    batch.push({
      relPath: `${ds.name}#${i}`, role, label: ds.labels ? ds.classNames[ds.labels[i]] : null, split,
      byteSize: bytes, mtimeMs: 0, sha256: createHash('sha256').update(idxImage(ds, i)).digest('hex'),
      width: ds.width, height: ds.height, channels: ds.channels, format: 'idx', bitDepth: 8, hasAlpha: false,
      colorSpace: ds.channels === 1 ? 'b-w' : 'srgb', error: null,
    });
    if (batch.length >= batchSize) { yield batch; batch = []; }
  }
  if (batch.length) yield batch;
}

/** Cache items of an IDX dataset (keys match idxRecords' relPath), for buildCache. */
export function* idxCacheItems(ds: IdxDataset): Generator<CacheItem> {
  if (ds.channels !== 1 && ds.channels !== 3 && ds.channels !== 4) throw new Error(`${ds.name}: ${ds.channels} channels per pixel cannot be cached (1, 3 or 4)`);
  for (let i = 0; i < ds.count; i++) {
    yield {
      key: `${ds.name}#${i}`,
      label: ds.labels ? ds.labels[i] : -1,
      source: { kind: 'pixels', data: idxImage(ds, i), width: ds.width, height: ds.height, channels: ds.channels as 1 | 3 | 4 },
    };
  }
}
