/**
 * TensorFlow.js `model.json` + binary shards: reads the weights manifest (float32, int32,
 * float16 and uint8/uint16 affine-quantised weights) into raw tensors, layout HWIO.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { WeightFileError, checkedSize, decodeElements, halfToFloat, shownName, type RawTensors } from './raw';

interface ManifestWeight {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number };
}

/** Reads a model.json's weights (the topology is kept as metadata `format` only). */
export function readTfjsModel(path: string): { tensors: RawTensors; metadata: Record<string, string> } {
  let json: { format?: string; weightsManifest?: { paths: string[]; weights: ManifestWeight[] }[] };
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    // the parser's message quotes the file's text: say what was expected instead
    throw new WeightFileError(path, 'not a readable TensorFlow.js model.json (expected a JSON file with a weightsManifest)');
  }
  if (!json || !Array.isArray(json.weightsManifest)) throw new WeightFileError(path, 'not a TensorFlow.js model.json: it has no weightsManifest list');
  const tensors: RawTensors = new Map();
  const root = resolve(dirname(path));
  for (const group of json.weightsManifest) {
    if (!Array.isArray(group.paths) || !Array.isArray(group.weights)) throw new WeightFileError(path, 'a weightsManifest group needs a list of paths and a list of weights');
    const parts = group.paths.map((p: unknown) => {
      if (typeof p !== 'string') throw new WeightFileError(path, 'a shard path in the weightsManifest is not a string');
      const full = resolve(root, p);
      if (!full.startsWith(root + sep)) throw new WeightFileError(path, `shard path ${shownName(p)} leaves the model folder (expected a file beside model.json)`);
      try {
        return new Uint8Array(readFileSync(full));
      } catch {
        throw new WeightFileError(path, `shard ${shownName(p)} is missing (expected beside model.json in ${root})`);
      }
    });
    const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) { bytes.set(p, o); o += p.length; }
    let offset = 0;
    for (const w of group.weights) {
      if (!w || typeof w.name !== 'string') throw new WeightFileError(path, 'a manifest weight has no name');
      if (tensors.has(w.name)) throw new WeightFileError(path, `weight ${shownName(w.name)} appears twice in the manifest (expected each weight once)`);
      const count = checkedSize(w.shape, path, w.name);
      const q = w.quantization;
      const type = q ? q.dtype : w.dtype;
      const width = type === 'float32' || type === 'int32' ? 4 : type === 'float16' || type === 'uint16' ? 2 : type === 'uint8' ? 1 : 0;
      if (!width || (w.dtype !== 'float32' && w.dtype !== 'int32')) throw new WeightFileError(path, `weight ${shownName(w.name)}: unsupported dtype (expected float32 or int32, optionally quantised as uint8, uint16 or float16)`);
      if (offset + count * width > bytes.length) throw new WeightFileError(path, `weight ${shownName(w.name)} goes beyond the end of the shards (truncated?)`);
      let data: Float32Array;
      if (type === 'float32') data = decodeElements(bytes, offset, count, 'f32');
      else if (type === 'int32') data = decodeElements(bytes, offset, count, 'i32');
      else if (type === 'float16') {
        const v = new DataView(bytes.buffer, offset, count * 2);
        data = Float32Array.from({ length: count }, (_, i) => halfToFloat(v.getUint16(i * 2, true)));
      } else {
        let raw: Float32Array;
        if (type === 'uint8') raw = decodeElements(bytes, offset, count, 'u8');
        else {
          const v = new DataView(bytes.buffer, offset, count * 2);
          raw = Float32Array.from({ length: count }, (_, i) => v.getUint16(i * 2, true));
        }
        const scale = q?.scale ?? 1;
        const min = q?.min ?? 0;
        data = raw.map((x) => x * scale + min);
      }
      tensors.set(w.name, { shape: [...w.shape], dtype: type, data });
      offset += count * width;
    }
  }
  return { tensors, metadata: { format: String(json.format ?? 'unknown') } };
}
