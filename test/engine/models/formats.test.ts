/**
 * Weight-file formats: round trips, files written by NumPy itself, layout conversion, and
 * fuzzed safetensors / npy / npz / model.json files that must give clear errors, never crash.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { readSafetensors, writeSafetensors } from '../../../src/engine/models/formats/safetensors';
import { readNpy, readNpz, writeNpy } from '../../../src/engine/models/formats/npy';
import { WeightFileError } from '../../../src/engine/models/formats/raw';
import { readWeightFile } from '../../../src/engine/models/import/read-file';
import { readHdf5 } from '../../../src/engine/models/formats/hdf5';
import { matchWeights, toModelLayout, transpose } from '../../../src/engine/models/import/match';

const dir = mkdtempSync(join(tmpdir(), 'attune-formats-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const hasNumpy = spawnSync('/usr/bin/python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
const hasH5py = spawnSync('/usr/bin/python3', ['-c', 'import h5py'], { stdio: 'ignore' }).status === 0;

function safetensorsBytes(header: object, data: Uint8Array = new Uint8Array(0), lenOverride?: bigint): Uint8Array {
  const h = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lenOverride ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

describe('safetensors', () => {
  it('round-trips float32 tensors and metadata', () => {
    const t = new Map([
      ['a.weight', { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }],
      ['b', { shape: [1], data: Float32Array.from([-0.5]) }],
    ]);
    const back = readSafetensors(writeSafetensors(t, { layout: 'hwio' }));
    expect(back.metadata).toEqual({ layout: 'hwio' });
    expect(back.tensors.get('a.weight')!.shape).toEqual([2, 3]);
    expect(Array.from(back.tensors.get('a.weight')!.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(back.tensors.get('b')!.data)).toEqual([-0.5]);
  });

  it('decodes F16, BF16, F64 and I64', () => {
    const data = new Uint8Array(2 + 2 + 8 + 8);
    const v = new DataView(data.buffer);
    v.setUint16(0, 0x3c00, true); // f16 1.0
    v.setUint16(2, 0xc000, true); // bf16 -2.0
    v.setFloat64(4, 0.25, true);
    v.setBigInt64(12, 7n, true);
    const bytes = safetensorsBytes({
      h: { dtype: 'F16', shape: [1], data_offsets: [0, 2] },
      b: { dtype: 'BF16', shape: [1], data_offsets: [2, 4] },
      d: { dtype: 'F64', shape: [1], data_offsets: [4, 12] },
      i: { dtype: 'I64', shape: [], data_offsets: [12, 20] },
    }, data);
    const t = readSafetensors(bytes).tensors;
    expect([t.get('h')!.data[0], t.get('b')!.data[0], t.get('d')!.data[0], t.get('i')!.data[0]]).toEqual([1, -2, 0.25, 7]);
  });

  const good = writeSafetensors(new Map([['w', { shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) }]]));
  const fuzz: [string, Uint8Array, RegExp][] = [
    ['empty', new Uint8Array(0), /shorter than the 8-byte header length/],
    ['truncated data', good.subarray(0, good.length - 3), /data_offsets lie outside the file's data \(truncated/],
    ['header length beyond file', safetensorsBytes({}, new Uint8Array(0), 1000n), /not a safetensors file: its header length is not plausible/],
    ['huge header length', safetensorsBytes({}, new Uint8Array(0), 2n ** 63n), /header length is not plausible \(expected a JSON header of at most 100 MB/],
    ['negative shape', safetensorsBytes({ w: { dtype: 'F32', shape: [-1, 4], data_offsets: [0, 0] } }), /negative or non-integer dimension/],
    ['overflowing shape', safetensorsBytes({ w: { dtype: 'F32', shape: [2 ** 40, 2 ** 40], data_offsets: [0, 0] } }), /too large/],
    ['fractional shape', safetensorsBytes({ w: { dtype: 'F32', shape: [1.5], data_offsets: [0, 4] } }, new Uint8Array(4)), /non-integer/],
    ['wrong dtype', safetensorsBytes({ w: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8)), /unsupported dtype \(expected one of F32/],
    ['size mismatch', safetensorsBytes({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)), /data size does not match its shape and dtype/],
    ['bad offsets', safetensorsBytes({ w: { dtype: 'F32', shape: [1], data_offsets: [8, 4] } }, new Uint8Array(8)), /outside/],
    ['offsets not a pair', safetensorsBytes({ w: { dtype: 'F32', shape: [1], data_offsets: 'x' } }), /data_offsets must be two/],
    ['not JSON', (() => { const b = safetensorsBytes({ w: 1 }); b[8] = 0x7b; b[9] = 0x7b; return b; })(), /not valid JSON/],
    ['JSON array header', safetensorsBytes([1, 2]), /not a JSON object/],
    ['non-UTF-8 header', (() => { const b = safetensorsBytes({ ab: 1 }); b[10] = 0xff; b[11] = 0xfe; return b; })(), /not valid UTF-8/],
    ['duplicate keys', (() => {
      const h = new TextEncoder().encode('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}');
      const b = new Uint8Array(8 + h.length + 4);
      new DataView(b.buffer).setBigUint64(0, BigInt(h.length), true);
      b.set(h, 8);
      return b;
    })(), /has the key "w" twice/],
  ];
  for (const [label, bytes, message] of fuzz) {
    it(`fuzz: ${label} → clear error`, () => {
      let err: unknown;
      try {
        readSafetensors(bytes, 'fuzz.safetensors');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(WeightFileError);
      expect((err as Error).message).toMatch(/^fuzz\.safetensors: /);
      expect((err as Error).message).toMatch(message);
    });
  }

  it('fuzz: random byte flips and truncations never throw anything but a WeightFileError', () => {
    let seed = 12345;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 300; i++) {
      const b = good.slice(0, Math.floor(rand() * (good.length + 1)));
      for (let k = 0; k < 3; k++) if (b.length) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      try {
        readSafetensors(b);
      } catch (e) {
        expect(e).toBeInstanceOf(WeightFileError);
      }
    }
  });
});

describe('npy / npz', () => {
  it('round-trips float32 arrays', () => {
    const a = readNpy(writeNpy(Float32Array.from([1, 2, 3, 4, 5, 6]), [3, 2]));
    expect(a.shape).toEqual([3, 2]);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(readNpy(writeNpy(Float32Array.from([7]), [1])).shape).toEqual([1]);
  });

  it.skipIf(!hasNumpy)('reads what NumPy writes (C and Fortran order, float64, int) and NumPy reads ours', () => {
    const py = `
import numpy as np, sys
d = sys.argv[1]
a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
np.save(d + '/c.npy', a); np.save(d + '/f.npy', np.asfortranarray(a)); np.save(d + '/d.npy', a.astype('>f8'))
np.savez(d + '/z.npz', **{'resnet/block1/unit01/a/group_norm/gamma': a[0, 0], 'i': np.array([3, -4], dtype=np.int64)})
b = np.load(d + '/ours.npy'); assert b.shape == (2, 2) and b.dtype == np.float32 and b[1, 0] == 3.5, b`;
    writeFileSync(join(dir, 'ours.npy'), writeNpy(Float32Array.from([1, 2, 3.5, 4]), [2, 2]));
    execFileSync('/usr/bin/python3', ['-c', py, dir]);
    const expected = Array.from({ length: 24 }, (_, i) => i);
    for (const f of ['c.npy', 'f.npy', 'd.npy']) {
      const a = readNpy(new Uint8Array(readFileSync(join(dir, f))), f);
      expect(a.shape).toEqual([2, 3, 4]);
      expect(Array.from(a.data)).toEqual(expected);
    }
    const z = readNpz(new Uint8Array(readFileSync(join(dir, 'z.npz'))));
    expect(Array.from(z.get('resnet/block1/unit01/a/group_norm/gamma')!.data)).toEqual([0, 1, 2, 3]);
    expect(Array.from(z.get('i')!.data)).toEqual([3, -4]);
  });

  it('fuzz: bad npy and npz files give clear errors', () => {
    const good = writeNpy(Float32Array.from([1, 2, 3, 4]), [4]);
    expect(() => readNpy(good.subarray(0, good.length - 4), 'x.npy')).toThrow(/x\.npy: \.npy data is truncated/);
    expect(() => readNpy(new Uint8Array([1, 2, 3]), 'x.npy')).toThrow(/expected it to start with the \\x93NUMPY magic/);
    const obj = new TextDecoder('latin1').decode(good).replace("'<f4'", "'|O8'");
    expect(() => readNpy(Uint8Array.from(obj, (c) => c.charCodeAt(0)), 'o.npy')).toThrow(/object arrays are never loaded|not supported/);
    const neg = new TextDecoder('latin1').decode(good).replace('(4,)', '(-4,)');
    expect(() => readNpy(Uint8Array.from(neg, (c) => c.charCodeAt(0)), 'n.npy')).toThrow(/not a tuple of non-negative integers/);
    expect(() => readNpz(new Uint8Array([0x50, 0x4b, 3, 4, 0, 0]), 'w.npz')).toThrow(/w\.npz: not a readable \.npz/);
    expect(() => readNpz(zipSync({ 'readme.txt': new Uint8Array([65]) }), 'e.npz')).toThrow(/holds no \.npy arrays/);
  });
});

describe.skipIf(!hasH5py)('HDF5 (files written by h5py)', () => {
  const py = `
import h5py, numpy as np, sys
d = sys.argv[1]
with h5py.File(d + '/k.h5', 'w') as f:
    f.attrs['layer_names'] = np.array([b'conv1_conv'] + [('l%d' % i).encode() for i in range(40)])
    g = f.create_group('conv1_conv'); g.attrs['weight_names'] = np.array([b'conv1_conv/kernel:0'])
    g.create_group('conv1_conv')['kernel:0'] = np.arange(24, dtype=np.float32).reshape(2, 3, 4, 1)
    f['conv1_bn/conv1_bn/gamma:0'] = np.array([1, 2, 3], dtype='>f8')
    f['ints'] = np.array([[-3, 4]], dtype=np.int64)
    for i in range(40):
        f['l%d/l%d/kernel:0' % (i, i)] = np.full((3, 5), i, dtype=np.float32)
    f.create_dataset('big', data=np.arange(100000, dtype=np.float32))
with h5py.File(d + '/gz.h5', 'w') as f:
    f.create_dataset('x', data=np.zeros((64, 64), np.float32), compression='gzip')
with h5py.File(d + '/latest.h5', 'w', libver='latest') as f:
    f['a/b/kernel:0'] = np.ones((2, 2), np.float32)
with h5py.File(d + '/dense.h5', 'w', libver='latest') as f:
    for i in range(20): f['w%d' % i] = np.zeros(2, np.float32)
`;
  beforeAll(() => {
    execFileSync('/usr/bin/python3', ['-c', py, dir]);
  });

  it('reads nested groups (B-tree with many entries), float64 big-endian, int64 and large datasets', () => {
    const t = readHdf5(new Uint8Array(readFileSync(join(dir, 'k.h5'))), 'k.h5');
    expect(t.size).toBe(44);
    expect(t.get('conv1_conv/conv1_conv/kernel:0')!.shape).toEqual([2, 3, 4, 1]);
    expect(Array.from(t.get('conv1_conv/conv1_conv/kernel:0')!.data)).toEqual(Array.from({ length: 24 }, (_, i) => i));
    expect(Array.from(t.get('conv1_bn/conv1_bn/gamma:0')!.data)).toEqual([1, 2, 3]);
    expect(Array.from(t.get('ints')!.data)).toEqual([-3, 4]);
    expect(t.get('big')!.data[99999]).toBe(99999);
    expect(t.get('l37/l37/kernel:0')!.data[14]).toBe(37);
    const viaFile = readWeightFile(join(dir, 'k.h5'));
    expect(viaFile.format).toBe('h5');
    expect(viaFile.tensors.has('conv1_conv/kernel')).toBe(true);
  });

  it('reads new-style (libver latest) files with compact links', () => {
    const t = readHdf5(new Uint8Array(readFileSync(join(dir, 'latest.h5'))), 'latest.h5');
    expect(Array.from(t.get('a/b/kernel:0')!.data)).toEqual([1, 1, 1, 1]);
  });

  it('refuses compressed datasets and dense link storage with a reason', () => {
    expect(() => readHdf5(new Uint8Array(readFileSync(join(dir, 'gz.h5'))), 'gz.h5')).toThrow(/gz\.h5: HDF5: dataset "x" is chunked; re-save the weights without compression/);
    expect(() => readHdf5(new Uint8Array(readFileSync(join(dir, 'dense.h5'))), 'dense.h5')).toThrow(/fractal heap \(dense storage\)/);
  });

  it('fuzz: truncated and corrupted HDF5 files give a WeightFileError, never a crash', () => {
    const good = new Uint8Array(readFileSync(join(dir, 'k.h5')));
    expect(() => readHdf5(good.subarray(0, 4000), 't.h5')).toThrow(WeightFileError);
    expect(() => readHdf5(new Uint8Array(100), 'z.h5')).toThrow(/not an HDF5 file/);
    let seed = 99;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const head = good.subarray(0, 6000);
    for (let i = 0; i < 200; i++) {
      const b = head.slice(0, 800 + Math.floor(rand() * 5200));
      for (let k = 0; k < 4; k++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      try {
        readHdf5(b, 'f.h5');
      } catch (e) {
        expect(e).toBeInstanceOf(WeightFileError);
      }
    }
  });
});

describe('readWeightFile', () => {
  it('refuses pickled PyTorch files and explains how to convert them', () => {
    const pt = join(dir, 'moco_v2_800ep.pth.tar');
    writeFileSync(pt, new Uint8Array([0x80, 2, 0x7d, 0x71]));
    expect(() => readWeightFile(pt)).toThrow(/pickle.*runs arbitrary code[\s\S]*safetensors\.torch import save_file/i);
    const disguised = join(dir, 'model.safetensors');
    writeFileSync(disguised, new Uint8Array([0x80, 4, 0x95, 0, 0, 0, 0, 0, 0, 0]));
    expect(() => readWeightFile(disguised)).toThrow(/refusing to load a pickled PyTorch file/);
  });

  it('reports missing files, empty files, unknown formats and TF.js shards outside the folder', () => {
    expect(() => readWeightFile(join(dir, 'nope.safetensors'))).toThrow(/nope\.safetensors: file not found/);
    writeFileSync(join(dir, 'empty.npz'), '');
    expect(() => readWeightFile(join(dir, 'empty.npz'))).toThrow(/file is empty/);
    writeFileSync(join(dir, 'w.onnx'), 'x');
    expect(() => readWeightFile(join(dir, 'w.onnx'))).toThrow(/unknown weight format "\.onnx"/);
    mkdirSync(join(dir, 'tfjs'), { recursive: true });
    writeFileSync(join(dir, 'tfjs', 'model.json'), JSON.stringify({ weightsManifest: [{ paths: ['../../etc/passwd'], weights: [] }] }));
    expect(() => readWeightFile(join(dir, 'tfjs', 'model.json'))).toThrow(/leaves the model folder/);
    writeFileSync(join(dir, 'tfjs', 'model.json'), JSON.stringify({ weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'fc/kernel', shape: [4, 4], dtype: 'float32' }] }] }));
    writeFileSync(join(dir, 'tfjs', 'w.bin'), new Uint8Array(12));
    expect(() => readWeightFile(join(dir, 'tfjs', 'model.json'))).toThrow(/"fc\/kernel" goes beyond the end of the shards/);
  });
});

describe('layout conversion and matching', () => {
  it('transposes OIHW → HWIO, depthwise [C,1,H,W] → HWC1 and dense [out,in] → [in,out]', () => {
    // torch conv weight [O=2, I=1, H=1, W=2]: w[o][0][0][x] = 10*o + x
    const conv = toModelLayout({ shape: [2, 1, 1, 2], dtype: 'F32', data: Float32Array.from([0, 1, 10, 11]) }, { name: 'c', shape: [1, 2, 1, 2], role: 'conv' }, 'torch')!;
    expect(Array.from(conv)).toEqual([0, 10, 1, 11]); // [h][w][i][o]
    const dw = toModelLayout({ shape: [2, 1, 1, 2], dtype: 'F32', data: Float32Array.from([0, 1, 10, 11]) }, { name: 'd', shape: [1, 2, 2, 1], role: 'conv', depthwise: true }, 'torch')!;
    expect(Array.from(dw)).toEqual([0, 10, 1, 11]); // [h][w][c][1]
    const dense = toModelLayout({ shape: [2, 3], dtype: 'F32', data: Float32Array.from([1, 2, 3, 4, 5, 6]) }, { name: 'fc.weight', shape: [3, 2], role: 'dense' }, 'torch')!;
    expect(Array.from(dense)).toEqual([1, 4, 2, 5, 3, 6]);
    expect(toModelLayout({ shape: [3, 2], dtype: 'F32', data: new Float32Array(6) }, { name: 'x', shape: [2, 2], role: 'dense' }, 'torch')).toBeUndefined();
    expect(Array.from(transpose(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3], [1, 0]))).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('reports matched, missing, unexpected, ignored and mis-shaped keys with the stripped prefix', () => {
    const specs = [
      { name: 'conv1.weight', shape: [1, 1, 1, 2], role: 'conv' as const },
      { name: 'bn1.weight', shape: [2], role: 'norm-scale' as const },
      { name: 'bn1.bias', shape: [2], role: 'norm-shift' as const },
    ];
    const t = (shape: number[]) => ({ shape, dtype: 'F32', data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
    const raw = new Map([
      ['online_network.conv1.weight', t([2, 1, 1, 1])],
      ['online_network.bn1.weight', t([3])],
      ['online_network.bn1.num_batches_tracked', t([])],
      ['online_network.projector.0.weight', t([4, 4])],
      ['target_network.conv1.weight', t([2, 1, 1, 1])],
    ]);
    const { report, values } = matchWeights(specs, raw, 'torch');
    expect(report.strippedPrefix).toBe('online_network.');
    expect(report.matched).toEqual(['conv1.weight']);
    expect(report.misshaped).toEqual([{ name: 'bn1.weight', expected: [2], got: [3] }]);
    expect(report.missing).toEqual(['bn1.bias']);
    expect(report.ignored).toEqual(['online_network.bn1.num_batches_tracked']);
    expect(report.unexpected.sort()).toEqual(['online_network.projector.0.weight', 'target_network.conv1.weight']);
    expect([...values.keys()]).toEqual(['conv1.weight']);
  });
});
