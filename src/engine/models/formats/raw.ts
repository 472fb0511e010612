/**
 * A tensor read from a weight file, before it is matched to a model: float32 data in the
 * file's own layout, plus the dtype it was stored as.
 */

/** One stored tensor, converted to float32, in its source layout (row-major). */
export interface RawTensor {
  shape: number[];
  /** dtype as stored in the file (F32, F16, float64, int64 …), for reports */
  dtype: string;
  data: Float32Array;
}

/** Ordered name → tensor map, as read from a file. */
export type RawTensors = Map<string, RawTensor>;

/**
 * An error about a weight file, naming the file and what is wrong. The reason says what the
 * format expects, never the bytes or numbers found in the file (a wrong file can be anything,
 * /etc/shadow included): only tensor names from a header that parsed as the format, through
 * `shownName`, are quoted.
 */
export class WeightFileError extends Error {
  constructor(file: string, reason: string) {
    super(`${file}: ${reason}`);
    this.name = 'WeightFileError';
  }
}

/** A tensor or member name for a message: quoted when it looks like a weight name, else a neutral stand-in. */
export function shownName(name: unknown): string {
  return typeof name === 'string' && /^[\w.\/:\-\[\]#@]{1,200}$/.test(name) ? JSON.stringify(name) : '(a name with unusual characters)';
}

/** Checks a shape is a list of non-negative safe integers with a bounded product; returns the element count. */
export function checkedSize(shape: unknown, file: string, key: string): number {
  if (!Array.isArray(shape)) throw new WeightFileError(file, `tensor ${shownName(key)}: its shape must be a list of non-negative integers`);
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw new WeightFileError(file, `tensor ${shownName(key)}: its shape has a negative or non-integer dimension (expected non-negative integers)`);
    }
    n *= d;
    if (n > 2 ** 31) throw new WeightFileError(file, `tensor ${shownName(key)}: its shape is too large (at most 2^31 elements)`);
  }
  return n;
}

/** float16 bits → number. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** Element types a weight file may hold, keyed by a normalised name. */
export type ElementType = 'f32' | 'f64' | 'f16' | 'bf16' | 'i64' | 'i32' | 'i16' | 'i8' | 'u8' | 'bool';

/** Bytes per element. */
export const ELEMENT_BYTES: Record<ElementType, number> = { f32: 4, f64: 8, f16: 2, bf16: 2, i64: 8, i32: 4, i16: 2, i8: 1, u8: 1, bool: 1 };

/** Decodes `count` little-endian elements of `type` starting at `offset` into float32. */
export function decodeElements(bytes: Uint8Array, offset: number, count: number, type: ElementType, littleEndian = true): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * ELEMENT_BYTES[type]);
  const out = new Float32Array(count);
  if (type === 'f32' && littleEndian && (bytes.byteOffset + offset) % 4 === 0) {
    out.set(new Float32Array(bytes.buffer, bytes.byteOffset + offset, count));
    return out;
  }
  for (let i = 0; i < count; i++) {
    switch (type) {
      case 'f32': out[i] = view.getFloat32(i * 4, littleEndian); break;
      case 'f64': out[i] = view.getFloat64(i * 8, littleEndian); break;
      case 'f16': out[i] = halfToFloat(view.getUint16(i * 2, littleEndian)); break;
      case 'bf16': {
        const b = new DataView(new ArrayBuffer(4));
        b.setUint32(0, view.getUint16(i * 2, littleEndian) << 16);
        out[i] = b.getFloat32(0);
        break;
      }
      case 'i64': out[i] = Number(view.getBigInt64(i * 8, littleEndian)); break;
      case 'i32': out[i] = view.getInt32(i * 4, littleEndian); break;
      case 'i16': out[i] = view.getInt16(i * 2, littleEndian); break;
      case 'i8': out[i] = view.getInt8(i); break;
      case 'u8': case 'bool': out[i] = view.getUint8(i); break;
    }
  }
  return out;
}

/** Transposes row-major data of `shape` by `perm`. */
export function transpose(data: Float32Array, shape: number[], perm: number[]): Float32Array {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]);
  const inStrides = new Array<number>(rank);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) { inStrides[i] = s; s *= shape[i]; }
  const out = new Float32Array(data.length);
  const idx = new Array<number>(rank).fill(0);
  const permStrides = perm.map((p) => inStrides[p]);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let d = 0; d < rank; d++) src += idx[d] * permStrides[d];
    out[o] = data[src];
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < outShape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}
