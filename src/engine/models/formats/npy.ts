/**
 * NumPy `.npy` (format versions 1–3) reading and float32 writing, and `.npz` (a zip of
 * `.npy` files, BiT's weight format) reading with fflate. Object arrays (which NumPy
 * would unpickle) are refused.
 */
import { unzipSync } from 'fflate';
import { ELEMENT_BYTES, WeightFileError, checkedSize, decodeElements, shownName, transpose, type ElementType, type RawTensor, type RawTensors } from './raw';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const DESCR: Record<string, ElementType> = {
  f4: 'f32', f8: 'f64', f2: 'f16', i8: 'i64', i4: 'i32', i2: 'i16', i1: 'i8', u1: 'u8', b1: 'bool',
};

/** Parses one .npy file into float32 (row-major; Fortran order is refused). */
export function readNpy(bytes: Uint8Array, file = 'array.npy'): RawTensor {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new WeightFileError(file, 'not a .npy file (expected it to start with the \\x93NUMPY magic)');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new WeightFileError(file, '.npy file is truncated in its header (expected a complete header)');
    headerLen = view.getUint32(8, true);
    start = 12;
  } else throw new WeightFileError(file, '.npy format version is not supported (expected version 1, 2 or 3)');
  if (start + headerLen > bytes.length) throw new WeightFileError(file, '.npy header length goes beyond the end of the file (truncated, or not a .npy file)');
  const header = new TextDecoder('latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([<>|=])([a-zA-Z]\d+)'/.exec(header);
  const fortran = /'fortran_order':\s*(True|False)/.exec(header);
  const shapeMatch = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shapeMatch) throw new WeightFileError(file, ".npy header is malformed (expected a dict with 'descr', 'fortran_order' and 'shape')");
  const type = DESCR[descr[2]];
  if (!type) throw new WeightFileError(file, `.npy dtype is not supported (expected one of ${Object.keys(DESCR).join(', ')}; object arrays are never loaded)`);
  const dims = shapeMatch[1].split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (dims.some((d) => !/^\d+L?$/.test(d))) throw new WeightFileError(file, '.npy shape is not a tuple of non-negative integers');
  const shape = dims.map((d) => Number.parseInt(d, 10));
  const count = checkedSize(shape, file, 'array');
  const dataStart = start + headerLen;
  if (dataStart + count * ELEMENT_BYTES[type] > bytes.length) {
    throw new WeightFileError(file, '.npy data is truncated (the file holds fewer bytes than its shape and dtype need)');
  }
  let data = decodeElements(bytes, dataStart, count, type, descr[1] !== '>');
  if (fortran[1] === 'True' && shape.length > 1) {
    // column-major: the bytes are the C-order array of the reversed shape, transposed
    const reversed = [...shape].reverse();
    data = transpose(data, reversed, reversed.map((_, i) => reversed.length - 1 - i));
  }
  return { shape, dtype: `${descr[1]}${descr[2]}`, data };
}

/** Serialises a float32 array as .npy (version 1, little-endian, C order). */
export function writeNpy(data: Float32Array, shape: number[]): Uint8Array {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

/** Reads every array of an .npz archive; keys are the member names without `.npy`. */
export function readNpz(bytes: Uint8Array, file = 'weights.npz'): RawTensors {
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(bytes);
  } catch {
    // the unzipper's message can carry values read from the file: say what was expected instead
    throw new WeightFileError(file, 'not a readable .npz archive (expected an uncompressed or deflated zip of .npy files)');
  }
  const out: RawTensors = new Map();
  for (const [name, data] of Object.entries(members)) {
    if (!name.endsWith('.npy')) continue;
    const key = name.slice(0, -4);
    if (out.has(key)) throw new WeightFileError(file, `array ${shownName(key)} appears twice in the archive (expected each array once)`);
    out.set(key, readNpy(data, `${file}:${shownName(name).replace(/^"|"$/g, '')}`));
  }
  if (out.size === 0) throw new WeightFileError(file, '.npz archive holds no .npy arrays');
  return out;
}
