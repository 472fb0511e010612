/**
 * safetensors (Hugging Face): 8-byte little-endian header length, a UTF-8 JSON header
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {…}}`, then the raw
 * little-endian data. Reading validates everything a hostile file could get wrong; it never
 * executes anything (unlike pickled .pt files).
 */
import { ELEMENT_BYTES, WeightFileError, checkedSize, decodeElements, shownName, type ElementType, type RawTensors } from './raw';

const DTYPES: Record<string, ElementType> = {
  F32: 'f32', F64: 'f64', F16: 'f16', BF16: 'bf16', I64: 'i64', I32: 'i32', I16: 'i16', I8: 'i8', U8: 'u8', BOOL: 'bool',
};

/** Largest JSON header accepted (the format's own limit is 100 MB). */
const MAX_HEADER = 100_000_000;

/** A parsed safetensors file: tensors as float32 plus the free-form string metadata. */
export interface SafetensorsContent {
  tensors: RawTensors;
  metadata: Record<string, string>;
}

function parseHeader(bytes: Uint8Array, file: string): { header: Record<string, unknown>; dataStart: number } {
  if (bytes.length < 8) throw new WeightFileError(file, 'not a safetensors file: it is shorter than the 8-byte header length a safetensors file starts with');
  const len = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  // the value read is not shown: on a file that is not safetensors it is 8 bytes of its content
  if (len > BigInt(MAX_HEADER) || Number(len) + 8 > bytes.length) {
    throw new WeightFileError(file, 'not a safetensors file: its header length is not plausible (expected a JSON header of at most 100 MB inside the file; truncated or another format)');
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + Number(len)));
  } catch {
    throw new WeightFileError(file, 'not a safetensors file: its header is not valid UTF-8 (expected a JSON header)');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch {
    // the parser's message quotes the text: say what was expected instead
    throw new WeightFileError(file, 'not a safetensors file: its header is not valid JSON (expected a JSON object of tensors)');
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw new WeightFileError(file, 'not a safetensors file: its header is not a JSON object (expected an object of tensors)');
  const dup = findDuplicateTopLevelKey(text);
  if (dup) throw new WeightFileError(file, `safetensors header has the key ${shownName(dup)} twice (expected each tensor once)`);
  return { header: header as Record<string, unknown>, dataStart: 8 + Number(len) };
}

/** Scans the header's top level for a repeated key (JSON.parse silently keeps the last one). */
function findDuplicateTopLevelKey(text: string): string | undefined {
  const keys = new Set<string>();
  let depth = 0;
  let i = 0;
  let expectKey = false;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (keys.has(key)) return key;
        keys.add(key);
        expectKey = false;
      }
      i = j + 1;
      continue;
    }
    if (c === '{' || c === '[') {
      depth++;
      if (depth === 1 && c === '{') expectKey = true;
    } else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 1) expectKey = true;
    i++;
  }
  return undefined;
}

/** Parses safetensors bytes; `file` names the source in errors. */
export function readSafetensors(bytes: Uint8Array, file = 'weights.safetensors'): SafetensorsContent {
  const { header, dataStart } = parseHeader(bytes, file);
  const dataLen = bytes.length - dataStart;
  const tensors: RawTensors = new Map();
  let metadata: Record<string, string> = {};
  for (const [key, entry] of Object.entries(header)) {
    if (key === '__metadata__') {
      if (entry && typeof entry === 'object' && !Array.isArray(entry)) metadata = Object.fromEntries(Object.entries(entry).map(([k, v]) => [k, String(v)]));
      continue;
    }
    if (!entry || typeof entry !== 'object') throw new WeightFileError(file, `tensor ${shownName(key)}: its header entry must be an object with dtype, shape and data_offsets`);
    const { dtype, shape, data_offsets: offsets } = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const type = typeof dtype === 'string' ? DTYPES[dtype] : undefined;
    if (!type) throw new WeightFileError(file, `tensor ${shownName(key)}: unsupported dtype (expected one of ${Object.keys(DTYPES).join(', ')})`);
    const count = checkedSize(shape, file, key);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      throw new WeightFileError(file, `tensor ${shownName(key)}: data_offsets must be two non-negative integers`);
    }
    const [begin, end] = offsets as [number, number];
    if (end < begin || end > dataLen) {
      throw new WeightFileError(file, `tensor ${shownName(key)}: its data_offsets lie outside the file's data (truncated file?)`);
    }
    if (end - begin !== count * ELEMENT_BYTES[type]) {
      throw new WeightFileError(file, `tensor ${shownName(key)}: its data size does not match its shape and dtype`);
    }
    tensors.set(key, { shape: [...(shape as number[])], dtype: dtype as string, data: decodeElements(bytes, dataStart + begin, count, type) });
  }
  return { tensors, metadata };
}

/** Serialises float32 tensors (and string metadata) to safetensors bytes, keys in the given order. */
export function writeSafetensors(tensors: Map<string, { shape: number[]; data: Float32Array }>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    const bytes = t.data.length * 4;
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8); // align data to 8 bytes
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const t of tensors.values()) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
    pos += t.data.byteLength;
  }
  return out;
}
