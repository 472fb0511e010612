/**
 * Reads a weight file of any supported format into raw tensors, choosing the format by
 * extension and content. Pickled PyTorch files are refused with a conversion recipe.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { WeightFileError, type RawTensors } from '../formats/raw';
import { readSafetensors } from '../formats/safetensors';
import { readNpz } from '../formats/npy';
import { readTfjsModel } from '../formats/tfjs';
import { readHdf5 } from '../formats/hdf5';
import { normalizeKerasKey } from './keras-names';
import type { SourceLayout } from './match';

/** Supported weight formats. */
export type WeightFormat = 'safetensors' | 'npz' | 'tfjs' | 'h5';

/** A weight file read into memory. */
export interface WeightFile {
  path: string;
  format: WeightFormat;
  layout: SourceLayout;
  tensors: RawTensors;
  metadata: Record<string, string>;
}

const PICKLE_EXT = new Set(['.pt', '.pth', '.ckpt', '.pkl', '.pickle', '.bin', '.tar']);

/** Why pickled checkpoints are refused, and how to convert one. */
export function pickleRefusal(path: string): string {
  return [
    `${path}: refusing to load a pickled PyTorch file. Unpickling runs arbitrary code from the file, so a`,
    'downloaded checkpoint could take over this machine. Convert it once, in a Python you trust, to safetensors:',
    '',
    '  import torch; from safetensors.torch import save_file',
    `  sd = torch.load("${basename(path)}", map_location="cpu", weights_only=True); sd = sd.get("state_dict", sd)`,
    `  save_file({k: v.contiguous() for k, v in sd.items() if hasattr(v, "contiguous")}, "${basename(path, extname(path))}.safetensors")`,
    '',
    'then import the .safetensors file.',
  ].join('\n');
}

function looksPickled(bytes: Uint8Array): boolean {
  if (bytes[0] === 0x80 && bytes[1] >= 2 && bytes[1] <= 5) return true; // pickle protocol 2–5
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) {
    // a zip: torch.save's archive has a "data.pkl" member; an .npz has .npy members
    const text = Buffer.from(bytes.subarray(0, Math.min(bytes.length, 4096))).toString('latin1');
    return text.includes('data.pkl');
  }
  return false;
}

const KERAS_LEAF: Record<string, string> = {
  kernel: 'weight', depthwise_kernel: 'weight', bias: 'bias', gamma: 'weight', beta: 'bias',
  moving_mean: 'running_mean', moving_variance: 'running_var',
};

/**
 * Keras/TensorFlow.js weight names `layer/kernel`, `layer/gamma`, `layer/moving_variance` →
 * the model's `layer.weight`, `layer.running_var` (the naming Attune's exports use).
 * Names with more path segments (BiT's) are left as they are.
 */
export function kerasWeightToModelName(key: string): string {
  const parts = key.split('/');
  if (parts.length !== 2) return key;
  const leaf = KERAS_LEAF[parts[1].replace(/:\d+$/, '')];
  return leaf ? `${parts[0]}.${leaf}` : key;
}

/** Reads and parses a weight file; errors name the file and the reason. */
export function readWeightFile(path: string): WeightFile {
  const ext = extname(path).toLowerCase();
  if (PICKLE_EXT.has(ext)) throw new WeightFileError(path, pickleRefusal(path).slice(path.length + 2));
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new WeightFileError(path, 'file not found or not readable');
  }
  if (size === 0) throw new WeightFileError(path, 'file is empty');
  if (ext === '.json') {
    const { tensors, metadata } = readTfjsModel(path);
    const renamed: RawTensors = new Map();
    for (const [k, t] of tensors) renamed.set(kerasWeightToModelName(k), t);
    return { path, format: 'tfjs', layout: 'tf', tensors: renamed, metadata };
  }
  const bytes = new Uint8Array(readFileSync(path));
  if (looksPickled(bytes)) throw new WeightFileError(path, pickleRefusal(path).slice(path.length + 2));
  if (ext === '.npz' || (bytes[0] === 0x50 && bytes[1] === 0x4b)) {
    return { path, format: 'npz', layout: 'tf', tensors: readNpz(bytes, path), metadata: {} };
  }
  if (ext === '.h5' || ext === '.hdf5') {
    const tensors: RawTensors = new Map();
    for (const [k, t] of readHdf5(bytes, path)) {
      const short = normalizeKerasKey(k);
      tensors.set(tensors.has(short) ? k : short, t);
    }
    return { path, format: 'h5', layout: 'tf', tensors, metadata: {} };
  }
  if (ext === '.keras') throw new WeightFileError(path, 'Keras 3 .keras archives are not supported; save with model.save_weights("weights.h5") in Keras 2 format');
  if (ext === '.safetensors' || ext === '') {
    const { tensors, metadata } = readSafetensors(bytes, path);
    // Attune's own checkpoints store kernels in the model layout (HWIO, dense [in, out]).
    const layout: SourceLayout = metadata.layout === 'hwio' ? 'tf' : 'torch';
    return { path, format: 'safetensors', layout, tensors, metadata };
  }
  throw new WeightFileError(path, `unknown weight format "${ext}" (supported: .safetensors, .npz, Keras .h5, TensorFlow.js model.json)`);
}
