/**
 * Checkpoints: a safetensors file with every variable in the model layout (HWIO kernels,
 * dense [in, out]) and a JSON sidecar `<name>.attune.json` (architecture, config, head,
 * normalisation, class names, provenance, and the SHA-256 of the weights file). Both are
 * written to temporary names and renamed, weights first, so the sidecar marks a complete
 * checkpoint. The reader validates the sidecar, the hash and every shape.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import type { Backbone, HeadSpec, ParamSpec, Params } from './types';
import { createBackbone } from './registry';
import { createHead } from './heads';
import { readSafetensors, writeSafetensors } from './formats/safetensors';
import { assignValues, matchWeights } from './import/match';
import { parseCheckpointMeta, type CheckpointMeta } from './sidecar';

export { checkpointMetaSchema, type CheckpointMeta } from './sidecar';

/** ImageNet channel statistics, the default normalisation of pretrained weights. */
export const IMAGENET_NORMALIZATION = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

/** The sidecar path of a checkpoint's weights file. */
export function sidecarPath(weightsPath: string): string {
  return weightsPath.replace(/\.safetensors$/i, '') + '.attune.json';
}

/** SHA-256 hex digest of a file or bytes. */
export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(typeof data === 'string' ? readFileSync(data) : data).digest('hex');
}

function writeAtomic(path: string, bytes: Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** What to store besides the variables. */
export interface CheckpointInfo {
  head?: { prefix: string; spec: HeadSpec; params: Params };
  normalization?: { mean: number[]; std: number[] };
  classNames?: string[];
  provenance?: { sourceFileSha256?: string; runId?: string; [k: string]: unknown };
}

/**
 * Writes a checkpoint (weights + sidecar) atomically; resolves to the sidecar content. The
 * variables are read back asynchronously (every backend, webgpu included); the caller must not
 * change them until this resolves.
 */
export async function writeCheckpoint(path: string, backbone: Backbone, info: CheckpointInfo = {}): Promise<CheckpointMeta> {
  if (!/\.safetensors$/i.test(path)) throw new Error(`${path}: a checkpoint path must end in .safetensors`);
  const vars: Array<[string, tf.Variable]> = [];
  const names = new Set<string>();
  const add = (params: Params) => {
    for (const [name, v] of params) {
      if (names.has(name)) throw new Error(`checkpoint: variable "${name}" appears in both backbone and head`);
      names.add(name);
      vars.push([name, v]);
    }
  };
  add(backbone.params);
  if (info.head) add(info.head.params);
  const values = await Promise.all(vars.map(([, v]) => v.data() as Promise<Float32Array>));
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  vars.forEach(([name, v], i) => tensors.set(name, { shape: v.shape, data: values[i] }));
  const bytes = writeSafetensors(tensors, { layout: 'hwio', arch: backbone.arch, format: 'attune-checkpoint' });
  const meta: CheckpointMeta = {
    format: 'attune-checkpoint',
    version: 1,
    arch: backbone.arch,
    config: backbone.config,
    featureDim: backbone.featureDim,
    ...(info.head ? { head: { prefix: info.head.prefix, spec: info.head.spec } } : {}),
    normalization: info.normalization ?? IMAGENET_NORMALIZATION,
    ...(info.classNames ? { classNames: info.classNames } : {}),
    provenance: { createdAt: new Date().toISOString(), ...info.provenance },
    weightsSha256: sha256(bytes),
  };
  parseCheckpointMeta(meta, sidecarPath(path));
  writeAtomic(path, bytes);
  writeAtomic(sidecarPath(path), new TextEncoder().encode(JSON.stringify(meta, null, 2) + '\n'));
  return meta;
}

/** A checkpoint read back: a ready backbone, its head if any, and the sidecar. */
export interface LoadedCheckpoint {
  meta: CheckpointMeta;
  backbone: Backbone;
  head?: { prefix: string; spec: HeadSpec; params: Params; specs: ParamSpec[] };
}

/** True when `path` has a checkpoint sidecar next to it. */
export function isCheckpoint(path: string): boolean {
  return /\.safetensors$/i.test(path) && existsSync(sidecarPath(path));
}

/** Reads and validates a checkpoint; errors name the file and what is wrong. */
export function readCheckpoint(path: string): LoadedCheckpoint {
  const side = sidecarPath(path);
  let text: string;
  try {
    text = readFileSync(side, 'utf8');
  } catch {
    throw new Error(`${side}: checkpoint sidecar is missing or not readable (expected beside the weights file)`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    // the parser's message quotes the file's text: say what was expected instead
    throw new Error(`${side}: checkpoint sidecar is not JSON (expected an Attune checkpoint sidecar)`);
  }
  const meta = parseCheckpointMeta(raw, side);
  const bytes = new Uint8Array(readFileSync(path));
  if (sha256(bytes) !== meta.weightsSha256) throw new Error(`${path}: weights do not match the sidecar's SHA-256 (file changed or incomplete)`);
  const { tensors } = readSafetensors(bytes, path);
  const backbone = createBackbone(meta.arch, meta.config, 0, { skipInit: true });
  if (backbone.featureDim !== meta.featureDim) throw new Error(`${side}: featureDim ${meta.featureDim} does not match ${meta.arch} (${backbone.featureDim})`);
  const head = meta.head ? { prefix: meta.head.prefix, spec: meta.head.spec as HeadSpec, ...createHead(meta.head.spec as HeadSpec, meta.head.prefix, 0) } : undefined;
  const specs = head ? [...backbone.specs, ...head.specs] : backbone.specs;
  const { report, values } = matchWeights(specs, tensors, 'tf');
  if (report.missing.length || report.misshaped.length || report.unexpected.length) {
    const what = [...report.missing.map((n) => `missing ${n}`), ...report.misshaped.map((m) => `mis-shaped ${m.name}`), ...report.unexpected.map((n) => `unexpected ${n}`)];
    throw new Error(`${path}: checkpoint does not fit ${meta.arch}: ${what.slice(0, 5).join(', ')}`);
  }
  assignValues(backbone.params, values);
  if (head) assignValues(head.params, values);
  return { meta, backbone, head };
}
