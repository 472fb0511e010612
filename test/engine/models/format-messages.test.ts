/**
 * Messages about a wrong weight file never echo its content: every reader (safetensors,
 * npy / npz, HDF5, TensorFlow.js model.json, and the format choice of readWeightFile) is fed
 * garbage holding a recognisable marker and recognisable numbers, and the message must name
 * the file and the expected format but contain neither the marker nor those numbers.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { readSafetensors } from '../../../src/engine/models/formats/safetensors';
import { readNpy, readNpz } from '../../../src/engine/models/formats/npy';
import { readHdf5 } from '../../../src/engine/models/formats/hdf5';
import { readTfjsModel } from '../../../src/engine/models/formats/tfjs';
import { WeightFileError } from '../../../src/engine/models/formats/raw';
import { readWeightFile } from '../../../src/engine/models/import/read-file';

const dir = mkdtempSync(join(tmpdir(), 'attune-leak-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MARKER = 'ZQXMARKER';
const SECRET = `root:$6$${MARKER}$31337:19000:0:99999:7:::\ndaemon:*:${MARKER}:0:99999:7:::\n`;
const enc = (s: string) => new TextEncoder().encode(s);

/** The message `fn` throws; fails the test when it does not throw a WeightFileError. */
function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(WeightFileError);
    return (e as Error).message;
  }
  throw new Error('expected the reader to refuse the file');
}

/** Asserts the message names the file and the format, and holds nothing from the file. */
function expectClean(message: string, file: string, format: RegExp, numbers: (number | bigint)[] = []): void {
  expect(message.startsWith(`${file}: `), message).toBe(true);
  expect(message).toMatch(format);
  expect(message).not.toContain(MARKER);
  expect(message).not.toContain('root:');
  for (const n of [31337, ...numbers]) expect(message, `${n} in: ${message}`).not.toContain(String(n));
}

/** safetensors bytes with a header given as text (JSON or not). */
function safetensorsWithHeader(header: string, data = new Uint8Array(0)): Uint8Array {
  const h = enc(header);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

describe('weight-file messages hold nothing read from the file', () => {
  it('safetensors: a shadow file, a non-JSON header, a foreign dtype and shape', () => {
    const shadow = enc(SECRET);
    const len = new DataView(shadow.buffer).getBigUint64(0, true);
    expectClean(messageOf(() => readSafetensors(shadow, 'shadow')), 'shadow', /not a safetensors file: its header length is not plausible/, [len, shadow.length]);
    expectClean(messageOf(() => readSafetensors(safetensorsWithHeader(SECRET), 'h.safetensors')), 'h.safetensors', /not a safetensors file: its header is not valid JSON/);
    const dtype = safetensorsWithHeader(JSON.stringify({ w: { dtype: MARKER, shape: [1], data_offsets: [0, 4] } }), new Uint8Array(4));
    expectClean(messageOf(() => readSafetensors(dtype, 'd.safetensors')), 'd.safetensors', /unsupported dtype \(expected one of F32/);
    const shape = safetensorsWithHeader(JSON.stringify({ w: { dtype: 'F32', shape: [31337.5], data_offsets: [0, 4] } }), new Uint8Array(4));
    expectClean(messageOf(() => readSafetensors(shape, 's.safetensors')), 's.safetensors', /shape has a negative or non-integer dimension/);
    const size = safetensorsWithHeader(JSON.stringify({ w: { dtype: 'F32', shape: [31337], data_offsets: [0, 4] } }), new Uint8Array(4));
    expectClean(messageOf(() => readSafetensors(size, 'z.safetensors')), 'z.safetensors', /data size does not match its shape and dtype/, [125348]);
    const offsets = safetensorsWithHeader(JSON.stringify({ w: { dtype: 'F32', shape: [1], data_offsets: [31337, 31341] } }), new Uint8Array(4));
    expectClean(messageOf(() => readSafetensors(offsets, 'o.safetensors')), 'o.safetensors', /data_offsets lie outside/, [31341]);
  });

  it('npy and npz: a foreign version, header, dtype, shape and archive', () => {
    const npy = (version: number, header: string) => new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0, header.length & 255, header.length >> 8, ...enc(header)]);
    expectClean(messageOf(() => readNpy(npy(77, SECRET), 'v.npy')), 'v.npy', /\.npy format version is not supported \(expected version 1, 2 or 3\)/, [77]);
    expectClean(messageOf(() => readNpy(npy(1, SECRET), 'h.npy')), 'h.npy', /\.npy header is malformed \(expected a dict/);
    expectClean(messageOf(() => readNpy(npy(1, "{'descr': '<q31337', 'fortran_order': False, 'shape': (2,), }"), 'd.npy')), 'd.npy', /\.npy dtype is not supported \(expected one of/);
    expectClean(messageOf(() => readNpy(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (31337, -4), }"), 's.npy')), 's.npy', /\.npy shape is not a tuple of non-negative integers/);
    expectClean(messageOf(() => readNpy(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (31337,), }"), 't.npy')), 't.npy', /\.npy data is truncated/, [125348]);
    const headerLen = npy(1, SECRET);
    headerLen[8] = 0x69; headerLen[9] = 0x7a; // a length of 31337 bytes, beyond the end
    expectClean(messageOf(() => readNpy(headerLen, 'l.npy')), 'l.npy', /\.npy header length goes beyond the end of the file/);
    expectClean(messageOf(() => readNpy(enc(SECRET), 'm.npy')), 'm.npy', /not a \.npy file \(expected it to start with the \\x93NUMPY magic\)/);
    const brokenZip = new Uint8Array([0x50, 0x4b, 3, 4, ...enc(SECRET)]);
    expectClean(messageOf(() => readNpz(brokenZip, 'b.npz')), 'b.npz', /not a readable \.npz archive \(expected .*zip of \.npy files\)/);
    expectClean(messageOf(() => readNpz(zipSync({ 'w.npy': enc(SECRET) }), 'w.npz')), 'w.npz:w.npy', /not a \.npy file/);
  });

  it('HDF5: a foreign superblock version and addresses that point outside the file', () => {
    const sig = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
    const version = new Uint8Array([...sig, ...enc(SECRET)]); // version byte 'r' (114)
    expectClean(messageOf(() => readHdf5(version, 'v.h5')), 'v.h5', /HDF5: the superblock version is not supported \(expected version 0 to 3\)/, [114]);
    const far = new Uint8Array(200);
    far.set(sig, 0);
    far[8] = 0; far[13] = 8; far[14] = 8;
    new DataView(far.buffer).setBigUint64(64, 31337n, true); // root group object header address
    far.set(enc(MARKER), 100);
    expectClean(messageOf(() => readHdf5(far, 'a.h5')), 'a.h5', /HDF5: a structure points beyond the end of the file/);
    expectClean(messageOf(() => readHdf5(enc(SECRET), 'n.h5')), 'n.h5', /not an HDF5 file \(expected the HDF5 signature/);
  });

  it('TensorFlow.js: a model.json that is not JSON, and a foreign dtype', () => {
    mkdirSync(join(dir, 'tfjs'), { recursive: true });
    const bad = join(dir, 'tfjs', 'bad.json');
    writeFileSync(bad, SECRET);
    expectClean(messageOf(() => readTfjsModel(bad)), bad, /not a readable TensorFlow\.js model\.json \(expected a JSON file with a weightsManifest\)/);
    const dtype = join(dir, 'tfjs', 'model.json');
    writeFileSync(join(dir, 'tfjs', 'shard.bin'), new Uint8Array(8));
    writeFileSync(dtype, JSON.stringify({ weightsManifest: [{ paths: ['shard.bin'], weights: [{ name: 'w', shape: [2], dtype: MARKER }] }] }));
    expectClean(messageOf(() => readTfjsModel(dtype)), dtype, /unsupported dtype \(expected float32 or int32/);
  });

  it('readWeightFile: a private text file without an extension is refused as "not safetensors", unquoted', () => {
    const shadow = join(dir, 'shadow');
    writeFileSync(shadow, SECRET);
    const len = new DataView(enc(SECRET).buffer).getBigUint64(0, true);
    expectClean(messageOf(() => readWeightFile(shadow)), shadow, /not a safetensors file: its header length is not plausible/, [len]);
    const h5 = join(dir, 'w.h5');
    writeFileSync(h5, SECRET);
    expectClean(messageOf(() => readWeightFile(h5)), h5, /not an HDF5 file/);
    const npz = join(dir, 'w.npz');
    writeFileSync(npz, SECRET);
    expectClean(messageOf(() => readWeightFile(npz)), npz, /not a readable \.npz archive/);
  });
});
