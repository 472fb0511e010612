/**
 * A minimal HDF5 reader for weight files (Keras `.h5` as written by h5py): walks the group
 * tree and returns every numeric dataset by path. Supports superblock v0–v3, object headers
 * v1 and v2, old-style groups (symbol table: B-tree v1 + local heap) and compact link
 * messages, contiguous and compact layouts, little/big-endian float and integer types.
 * Chunked (compressed) datasets and dense link storage are refused with a clear message.
 * Every read is bounds-checked, so a damaged file gives an error, never a crash.
 */
import { WeightFileError, checkedSize, decodeElements, shownName, type ElementType, type RawTensors } from './raw';

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

class Reader {
  private view: DataView;
  offsetSize = 8;
  lengthSize = 8;
  constructor(readonly bytes: Uint8Array, readonly file: string) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  /** Refuses the file; `reason` says what was expected, never offsets, versions or sizes read from it. */
  fail(reason: string): never {
    throw new WeightFileError(this.file, `HDF5: ${reason}`);
  }
  check(pos: number, n: number): void {
    if (!Number.isSafeInteger(pos) || pos < 0 || n < 0 || pos + n > this.bytes.length) this.fail('a structure points beyond the end of the file (truncated or corrupt?)');
  }
  u8(pos: number): number { this.check(pos, 1); return this.view.getUint8(pos); }
  u16(pos: number): number { this.check(pos, 2); return this.view.getUint16(pos, true); }
  u32(pos: number): number { this.check(pos, 4); return this.view.getUint32(pos, true); }
  uint(pos: number, size: number): number {
    this.check(pos, size);
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = v * 256 + this.view.getUint8(pos + i);
    return v;
  }
  /** an address; undefined for the "undefined address" (all bits set) */
  addr(pos: number): number | undefined {
    this.check(pos, this.offsetSize);
    let allOnes = true;
    for (let i = 0; i < this.offsetSize; i++) if (this.view.getUint8(pos + i) !== 0xff) allOnes = false;
    return allOnes ? undefined : this.uint(pos, this.offsetSize);
  }
  len(pos: number): number { return this.uint(pos, this.lengthSize); }
  ascii(pos: number, n: number): string { this.check(pos, n); return new TextDecoder('latin1').decode(this.bytes.subarray(pos, pos + n)); }
  cstring(pos: number): string {
    let end = pos;
    while (end < this.bytes.length && this.bytes[end] !== 0) end++;
    if (end >= this.bytes.length) this.fail('a name runs to the end of the file (expected a zero-terminated name)');
    return new TextDecoder('utf-8').decode(this.bytes.subarray(pos, end));
  }
}

interface Message { type: number; pos: number; size: number }

interface DatasetInfo { shape?: number[]; type?: { el: ElementType; littleEndian: boolean; name: string }; layout?: { kind: 'contiguous' | 'compact'; pos: number; size: number } | { kind: 'other'; name: string }; filtered?: boolean }

function readMessages(r: Reader, address: number, depth = 0): Message[] {
  if (depth > 64) r.fail('object header continuation chain too deep');
  const msgs: Message[] = [];
  const blocks: { pos: number; end: number; v2: boolean }[] = [];
  if (r.ascii(address, 4) === 'OHDR') {
    const version = r.u8(address + 4);
    if (version !== 2) r.fail('an object header version is not supported (expected version 1 or 2)');
    const flags = r.u8(address + 5);
    let pos = address + 6;
    if (flags & 0x20) pos += 16;
    if (flags & 0x10) pos += 4;
    const sizeBytes = 1 << (flags & 3);
    const chunk = r.uint(pos, sizeBytes);
    pos += sizeBytes;
    blocks.push({ pos, end: pos + chunk, v2: true });
    const creationOrder = (flags & 0x04) !== 0;
    const seen = new Set<number>();
    while (blocks.length) {
      const b = blocks.shift()!;
      if (seen.has(b.pos)) r.fail('object header continuation loop');
      seen.add(b.pos);
      let p = b.pos;
      while (p + 4 <= b.end) {
        const type = r.u8(p);
        const size = r.u16(p + 1);
        p += 4 + (creationOrder ? 2 : 0);
        r.check(p, size);
        if (type === 0x10) {
          const cont = r.addr(p);
          const clen = r.len(p + r.offsetSize);
          if (cont !== undefined) {
            if (r.ascii(cont, 4) !== 'OCHK') r.fail('an object header continuation block has no OCHK signature (corrupt file?)');
            blocks.push({ pos: cont + 4, end: cont + clen - 4, v2: true });
          }
        } else if (type !== 0) msgs.push({ type, pos: p, size });
        p += size;
      }
    }
    return msgs;
  }
  const version = r.u8(address);
  if (version !== 1) r.fail('an object header version is not supported (expected version 1 or 2)');
  const count = r.u16(address + 2);
  const size = r.u32(address + 8);
  blocks.push({ pos: address + 16, end: address + 16 + size, v2: false });
  const seen = new Set<number>();
  while (blocks.length && msgs.length <= count) {
    const b = blocks.shift()!;
    if (seen.has(b.pos)) r.fail('object header continuation loop');
    seen.add(b.pos);
    let p = b.pos;
    while (p + 8 <= b.end) {
      const type = r.u16(p);
      const msize = r.u16(p + 2);
      p += 8;
      r.check(p, msize);
      if (type === 0x10) {
        const cont = r.addr(p);
        if (cont !== undefined) blocks.push({ pos: cont, end: cont + r.len(p + r.offsetSize), v2: false });
      } else if (type !== 0) msgs.push({ type, pos: p, size: msize });
      p += msize;
    }
  }
  return msgs;
}

function parseDataspace(r: Reader, m: Message): number[] {
  const version = r.u8(m.pos);
  const rank = r.u8(m.pos + 1);
  if (rank > 32) r.fail('a dataspace rank is not plausible (expected at most 32 dimensions)');
  const start = version === 1 ? m.pos + 8 : m.pos + 4;
  if (version === 2 && r.u8(m.pos + 3) === 2) return []; // null dataspace
  return Array.from({ length: rank }, (_, i) => r.len(start + i * r.lengthSize));
}

function parseDatatype(r: Reader, m: Message): DatasetInfo['type'] {
  const cls = r.u8(m.pos) & 0x0f;
  const bits = r.u8(m.pos + 1);
  const size = r.u32(m.pos + 4);
  const littleEndian = (bits & 1) === 0;
  if (cls === 1) {
    const el = size === 4 ? 'f32' : size === 8 ? 'f64' : size === 2 ? 'f16' : undefined;
    return el ? { el, littleEndian, name: `float${size * 8}` } : undefined;
  }
  if (cls === 0) {
    const signed = (bits & 8) !== 0;
    const el: ElementType | undefined = size === 8 && signed ? 'i64' : size === 4 && signed ? 'i32' : size === 2 && signed ? 'i16' : size === 1 ? (signed ? 'i8' : 'u8') : undefined;
    return el ? { el, littleEndian, name: `${signed ? 'int' : 'uint'}${size * 8}` } : undefined;
  }
  return undefined; // strings, compounds … are not weights
}

function parseLayout(r: Reader, m: Message): DatasetInfo['layout'] {
  const version = r.u8(m.pos);
  if (version === 3 || version === 4) {
    const cls = r.u8(m.pos + 1);
    if (cls === 0) return { kind: 'compact', pos: m.pos + 4, size: r.u16(m.pos + 2) };
    if (cls === 1) {
      const a = r.addr(m.pos + 2);
      return { kind: 'contiguous', pos: a ?? -1, size: r.len(m.pos + 2 + r.offsetSize) };
    }
    return { kind: 'other', name: cls === 2 ? 'chunked' : 'stored in an unsupported layout' };
  }
  if (version === 1 || version === 2) {
    const rank = r.u8(m.pos + 1);
    const cls = r.u8(m.pos + 2);
    if (cls === 1) return { kind: 'contiguous', pos: r.addr(m.pos + 8) ?? -1, size: -1 };
    if (cls === 0) {
      const p = m.pos + 8 + rank * 4;
      return { kind: 'compact', pos: p + 4, size: r.u32(p) };
    }
    return { kind: 'other', name: 'chunked' };
  }
  return { kind: 'other', name: 'stored with an unsupported layout message version' };
}

/** Children of a group: from a symbol table (B-tree v1 + local heap). */
function symbolTableChildren(r: Reader, btree: number, heap: number, out: [string, number][], depth = 0, seen = new Set<number>()): void {
  if (depth > 32) r.fail('group B-tree too deep');
  if (seen.has(btree)) r.fail('a group B-tree node is referenced twice (corrupt file)');
  seen.add(btree);
  if (r.ascii(heap, 4) !== 'HEAP') r.fail('a local heap has no HEAP signature (corrupt file?)');
  const heapData = r.addr(heap + 8 + 2 * r.lengthSize);
  if (heapData === undefined) r.fail('local heap has no data segment');
  if (r.ascii(btree, 4) !== 'TREE') r.fail('a group B-tree node has no TREE signature (corrupt file?)');
  const level = r.u8(btree + 5);
  const entries = r.u16(btree + 6);
  let p = btree + 8 + 2 * r.offsetSize + r.lengthSize; // after first key
  for (let i = 0; i < entries; i++) {
    const child = r.addr(p);
    p += r.offsetSize + r.lengthSize;
    if (child === undefined) continue;
    if (level > 0) {
      symbolTableChildren(r, child, heap, out, depth + 1, seen);
      continue;
    }
    if (r.ascii(child, 4) !== 'SNOD') r.fail('a symbol table node has no SNOD signature (corrupt file?)');
    const n = r.u16(child + 6);
    const entrySize = 2 * r.offsetSize + 24;
    for (let k = 0; k < n; k++) {
      const e = child + 8 + k * entrySize;
      const name = r.cstring(heapData + r.len(e));
      const header = r.addr(e + r.offsetSize);
      if (header !== undefined) out.push([name, header]);
    }
  }
}

/** Children of a group from compact link messages (new-style groups). */
function linkChildren(r: Reader, m: Message): [string, number] | undefined {
  const flags = r.u8(m.pos + 1);
  let p = m.pos + 2;
  let linkType = 0;
  if (flags & 0x08) linkType = r.u8(p++);
  if (flags & 0x04) p += 8;
  if (flags & 0x10) p += 1;
  const lenSize = 1 << (flags & 3);
  const nameLen = r.uint(p, lenSize);
  p += lenSize;
  const name = new TextDecoder('utf-8').decode(r.bytes.subarray(p, p + nameLen));
  r.check(p, nameLen);
  p += nameLen;
  if (linkType !== 0) return undefined; // soft / external links are not followed
  const a = r.addr(p);
  return a === undefined ? undefined : [name, a];
}

/** Reads every numeric dataset of an HDF5 file, keyed by its path (`a/b/kernel:0`). */
export function readHdf5(whole: Uint8Array, file = 'weights.h5'): RawTensors {
  let start = -1;
  for (let at = 0; at + 8 <= whole.length && at <= 1 << 20; at = at === 0 ? 512 : at * 2) {
    if (SIGNATURE.every((b, i) => whole[at + i] === b)) { start = at; break; }
  }
  if (start < 0) throw new WeightFileError(file, 'not an HDF5 file (expected the HDF5 signature at the start or at a power of two from 512 bytes)');
  // addresses are relative to the superblock (after any user block)
  const bytes = whole.subarray(start);
  const r: Reader = new Reader(bytes, file);
  const base = 0;
  const version = r.u8(base + 8);
  let rootHeader: number | undefined;
  if (version === 0 || version === 1) {
    r.offsetSize = r.u8(base + 13);
    r.lengthSize = r.u8(base + 14);
    if (![2, 4, 8].includes(r.offsetSize) || ![2, 4, 8].includes(r.lengthSize)) r.fail('the superblock has implausible offset or length sizes (expected 2, 4 or 8 bytes)');
    const afterK = base + 24 + (version === 1 ? 4 : 0);
    const rootEntry = afterK + 4 * r.offsetSize;
    rootHeader = r.addr(rootEntry + r.offsetSize);
  } else if (version === 2 || version === 3) {
    r.offsetSize = r.u8(base + 9);
    r.lengthSize = r.u8(base + 10);
    if (![2, 4, 8].includes(r.offsetSize) || ![2, 4, 8].includes(r.lengthSize)) r.fail('the superblock has implausible offset or length sizes (expected 2, 4 or 8 bytes)');
    rootHeader = r.addr(base + 12 + 3 * r.offsetSize);
  } else r.fail('the superblock version is not supported (expected version 0 to 3)');
  if (rootHeader === undefined) return r.fail('no root group');
  const root: number = rootHeader;

  const out: RawTensors = new Map();
  const visited = new Set<number>();
  const walk = (address: number, path: string, depth: number) => {
    if (depth > 64 || visited.has(address)) return;
    visited.add(address);
    const msgs = readMessages(r, address);
    const children: [string, number][] = [];
    const info: DatasetInfo = {};
    for (const m of msgs) {
      if (m.type === 0x11) symbolTableChildren(r, r.addr(m.pos) ?? r.fail('symbol table without B-tree'), r.addr(m.pos + r.offsetSize) ?? r.fail('symbol table without heap'), children);
      else if (m.type === 0x06) { const c = linkChildren(r, m); if (c) children.push(c); }
      else if (m.type === 0x02) {
        const flags = r.u8(m.pos + 1);
        const heapAddr = r.addr(m.pos + 2 + (flags & 1 ? 8 : 0));
        if (heapAddr !== undefined) r.fail(`group ${path ? shownName(path) : '"/"'} stores its links in a fractal heap (dense storage), which this reader does not support`);
      } else if (m.type === 0x01) info.shape = parseDataspace(r, m);
      else if (m.type === 0x03) info.type = parseDatatype(r, m);
      else if (m.type === 0x08) info.layout = parseLayout(r, m);
      else if (m.type === 0x0b) info.filtered = true;
    }
    if (info.layout && info.shape && info.type) {
      const key = path;
      const l = info.layout;
      if (info.filtered || l.kind === 'other') {
        throw new WeightFileError(file, `HDF5: dataset ${shownName(key)} is ${l.kind === 'other' ? l.name : 'compressed'}; re-save the weights without compression (h5py: chunks=None, compression=None)`);
      }
      if (out.has(key)) r.fail(`dataset ${shownName(key)} appears twice (expected each dataset once)`);
      const count = checkedSize(info.shape, file, key);
      const width = { f32: 4, f64: 8, f16: 2, bf16: 2, i64: 8, i32: 4, i16: 2, i8: 1, u8: 1, bool: 1 }[info.type.el];
      if (l.pos < 0) r.fail(`dataset ${shownName(key)} has no stored data`);
      {
        if (l.size >= 0 && l.size < count * width) r.fail(`dataset ${shownName(key)} holds fewer bytes than its shape and type need`);
        r.check(l.pos, count * width);
        out.set(key, { shape: info.shape, dtype: info.type.name, data: decodeElements(bytes, l.pos, count, info.type.el, info.type.littleEndian) });
      }
    }
    for (const [name, child] of children) walk(child, path ? `${path}/${name}` : name, depth + 1);
  };
  walk(root, '', 0);
  return out;
}
