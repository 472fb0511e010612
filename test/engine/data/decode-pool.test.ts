import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildCache, type CacheIndex, type CacheItem } from '../../../src/engine/data/cache';
import { DecodeCache } from '../../../src/engine/data/cache-reader';
import { countChannelValues } from '../../../src/engine/data/channel-stats';
import { decodeFrame, type FrameSpec } from '../../../src/engine/data/decode-frame';
import { DecodePool, DecodePoolUnavailable, FrameWriteError, sharedDecodePool } from '../../../src/engine/data/decode-pool';
import { explainDecodeError } from '../../../src/engine/data/probe';
import { hugeHeaderPng, patternImage, writeBadInputs } from '../../fixtures/images/generate';

const spec: FrameSpec = { resolution: 24, fit: 'cover', maxPixels: 100_000_000, kernel: 'linear' };
let dir: string;
let good: string[];
let mixed: string[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'attune-decode-pool-'));
  good = [];
  for (let i = 0; i < 24; i++) {
    const format = (['jpeg', 'png', 'webp'] as const)[i % 3];
    const p = join(dir, `good ${i} é.${format === 'jpeg' ? 'jpg' : format}`);
    await writeFile(p, await patternImage(40 + 7 * i, 30 + 5 * (i % 4), i, format));
    good.push(p);
  }
  await writeBadInputs(join(dir, 'bad'));
  await writeFile(join(dir, 'bomb.png'), hugeHeaderPng(30000, 30000));
  const bad = ['cats/truncated.jpg', 'cats/text.jpg', 'dogs/alpha.png', 'dogs/cmyk.jpg', 'dogs/deep16.png'].map((k) => join(dir, 'bad', k));
  // failures in the middle and at the end, so the pixel file gets holes and a cut tail
  mixed = [...good.slice(0, 5), bad[0], ...good.slice(5, 12), join(dir, 'bomb.png'), bad[1], ...good.slice(12), ...bad.slice(2)];
  mixed.push(join(dir, 'missing.jpg'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const items = (paths: string[]): CacheItem[] => paths.map((p, i) => ({ key: `k${i}`, label: i % 3, source: { kind: 'file', absPath: p } }));
const withoutTime = (i: CacheIndex) => ({ ...i, createdAt: '' });

describe('decoder processes', () => {
  it('write the same frames as decoding in-process, fail bad files with the same reason, and leave holes readable', async () => {
    const pool = new DecodePool({ workers: 2 });
    try {
      await pool.start();
      const viaPool = await buildCache(items(mixed), { dir: join(dir, 'pool'), resolution: 24, decoder: pool });
      const here = await buildCache(items(mixed), { dir: join(dir, 'here'), resolution: 24, decoder: 'here' });
      expect(withoutTime(viaPool)).toEqual(withoutTime(here));
      expect(await readFile(join(dir, 'pool', 'pixels.u8'))).toEqual(await readFile(join(dir, 'here', 'pixels.u8')));
      expect(viaPool.failures.map((f) => f.key)).toEqual(['k5', 'k13', 'k14', `k${mixed.length - 1}`]);
      expect(viaPool.holes).toEqual([5, 13, 14]);
      // every frame reads back as its own file decoded directly
      const cache = DecodeCache.open(join(dir, 'pool'));
      for (const at of [0, 4, 5, 11, 12, viaPool.count - 1]) {
        const path = mixed[Number(viaPool.keys[at].slice(1))];
        expect(Buffer.from(cache.read([at]))).toEqual(await decodeFrame({ kind: 'file', absPath: path }, spec));
      }
      cache.close();
      // files decoded after the pool was up went through the decoders
      const frameFile = join(dir, 'slots.u8');
      await writeFile(frameFile, Buffer.alloc(0));
      const counts = await pool.decodeInto(good[3], spec, { file: frameFile, offset: 2 * 24 * 24 * 3 });
      const frame = (await readFile(frameFile)).subarray(2 * 24 * 24 * 3);
      expect(frame).toEqual(await decodeFrame({ kind: 'file', absPath: good[3] }, spec));
      expect(counts).toEqual(countChannelValues(frame, new Uint32Array(768)));
      const bomb = await pool.decodeInto(join(dir, 'bomb.png'), spec, { file: frameFile, offset: 0 }).catch((e: Error) => e);
      expect(explainDecodeError((bomb as Error).message)).toMatch(/too large/);
    } finally {
      await pool.close();
    }
  });

  it('survive a killed decoder: only the file it was decoding fails, the rest are decoded by a fresh one', async () => {
    const pool = new DecodePool({ workers: 2 });
    try {
      await pool.start();
      const before = pool.pids;
      const file = join(dir, 'kill.u8');
      await writeFile(file, Buffer.alloc(0));
      const jobs = good.map((p, i) => pool.decodeInto(p, spec, { file, offset: i * 24 * 24 * 3 }).then(() => 'ok', (e: Error) => e.message));
      await Promise.race(jobs);
      process.kill(before[0], 'SIGKILL');
      const results = await Promise.all(jobs);
      const failed = results.filter((r) => r !== 'ok');
      expect(failed).toHaveLength(1);
      for (const r of failed) expect(r).toMatch(/decoder process stopped \(signal SIGKILL\) while decoding this file/);
      expect(pool.pids).toHaveLength(2);
      expect(pool.pids).not.toContain(before[0]);
      const pixels = await readFile(file);
      for (const [i, r] of results.entries()) {
        if (r === 'ok') expect(pixels.subarray(i * 24 * 24 * 3, (i + 1) * 24 * 24 * 3)).toEqual(await decodeFrame({ kind: 'file', absPath: good[i] }, spec));
      }
    } finally {
      await pool.close();
    }
  });

  it('report a frame that cannot be written as a write error, and buildCache stops on it, keeping the old cache', async () => {
    const pool = new DecodePool({ workers: 1 });
    try {
      // /dev/full answers every write with ENOSPC, as a full disk does
      if (existsSync('/dev/full')) {
        const e = await pool.decodeInto(good[0], spec, { file: '/dev/full', offset: 0 }).catch((x: Error) => x);
        expect(e).toBeInstanceOf(FrameWriteError);
        expect((e as Error).message).toMatch(/cannot write the frame into \/dev\/full: ENOSPC/);
      }
    } finally {
      await pool.close();
    }
    const out = join(dir, 'keep');
    const before = await buildCache(items(good.slice(0, 4)), { dir: out, resolution: 24, decoder: 'here' });
    class FullDisk extends DecodePool {
      override get ready(): boolean {
        return true;
      }
      override decodeInto(): Promise<Uint32Array> {
        return Promise.reject(new FrameWriteError('cannot write the frame into pixels.u8.tmp: ENOSPC: no space left on device'));
      }
    }
    await expect(buildCache(items(good), { dir: out, resolution: 24, decoder: new FullDisk({ workers: 1 }) })).rejects.toThrow(/ENOSPC/);
    const cache = DecodeCache.open(out);
    expect(cache.index).toEqual(before);
    cache.close();
  });

  it('stop when idle and start again on demand', async () => {
    const pool = new DecodePool({ workers: 1, idleMs: 150 });
    try {
      const file = join(dir, 'idle.u8');
      await writeFile(file, Buffer.alloc(0));
      await pool.decodeInto(good[0], spec, { file, offset: 0 });
      expect(pool.pids).toHaveLength(1);
      // 150 ms without work, then the decoder is stopped (polled: CI may be busy)
      await expect.poll(() => pool.pids.length, { timeout: 10_000, interval: 50 }).toBe(0);
      expect(pool.ready).toBe(false);
      await pool.decodeInto(good[1], spec, { file, offset: 0 });
      expect(pool.pids).toHaveLength(1);
    } finally {
      await pool.close();
    }
  });

  it('that cannot start make decodeInto reject as unavailable, and the cache is decoded in-process instead', async () => {
    const broken = join(dir, 'broken.mjs');
    await writeFile(broken, 'process.exit(3);\n');
    const pool = new DecodePool({ workers: 2, entry: { file: broken, execArgv: [] } });
    const e = await pool.decodeInto(good[0], spec, { file: join(dir, 'never.u8'), offset: 0 }).catch((x: Error) => x);
    expect(e).toBeInstanceOf(DecodePoolUnavailable);
    expect((e as Error).message).toMatch(/could not start \(exit code 3\)/);
    expect(pool.unavailable).toBe(true);
    const viaFallback = await buildCache(items(good.slice(0, 6)), { dir: join(dir, 'fallback'), resolution: 24, decoder: pool });
    const here = await buildCache(items(good.slice(0, 6)), { dir: join(dir, 'fallback-here'), resolution: 24, decoder: 'here' });
    expect(withoutTime(viaFallback)).toEqual(withoutTime(here));
    await pool.close();
  });

  // Reason for the skip: a single-core machine has no shared decoders (decoding stays in-process)
  it.skipIf(availableParallelism() < 2)("are used by buildCache's default once a folder is past its first files, with the same result", async () => {
    const shared = sharedDecodePool()!;
    const here = await buildCache(items(mixed), { dir: join(dir, 'auto-here'), resolution: 24, decoder: 'here' });
    // past 2 files the shared decoders are started; files go to them once they are up
    const first = await buildCache(items(mixed), { dir: join(dir, 'auto-1'), resolution: 24, poolAfter: 2 });
    expect(withoutTime(first)).toEqual(withoutTime(here));
    await shared.start();
    const decodedBefore = shared.decoded;
    const second = await buildCache(items(mixed), { dir: join(dir, 'auto-2'), resolution: 24, poolAfter: 2 });
    expect(withoutTime(second)).toEqual(withoutTime(here));
    // all good files but the first two went through the decoders
    expect(shared.decoded - decodedBefore).toBeGreaterThanOrEqual(second.count - 2);
    expect(await readFile(join(dir, 'auto-2', 'pixels.u8'))).toEqual(await readFile(join(dir, 'auto-here', 'pixels.u8')));
  });

  it('exit when the process that started them is killed', async () => {
    const script = join(dir, 'orphan-check.mts');
    const src = resolve(__dirname, '../../../src/engine/data/decode-pool.ts');
    await writeFile(script, `import { DecodePool } from ${JSON.stringify(src)};
const pool = new DecodePool({ workers: 2 });
await pool.start();
console.log(JSON.stringify(pool.pids));
setInterval(() => {}, 1000);
`);
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pids = await new Promise<number[]>((res) => child.stdout.once('data', (d) => res(JSON.parse(String(d)))));
    expect(pids).toHaveLength(2);
    const alive = (pid: number) => {
      try {
        return process.kill(pid, 0);
      } catch {
        return false;
      }
    };
    expect(pids.every(alive)).toBe(true);
    child.kill('SIGKILL');
    const deadline = Date.now() + 10_000;
    while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(pids.filter(alive)).toEqual([]);
  });

  it('do not keep a finished program running', async () => {
    const script = join(dir, 'exit-check.mts');
    const src = resolve(__dirname, '../../../src/engine/data/decode-pool.ts');
    await mkdir(join(dir, 'exit'), { recursive: true });
    await writeFile(join(dir, 'exit', 'out.u8'), Buffer.alloc(0));
    await writeFile(
      script,
      `import { DecodePool } from ${JSON.stringify(src)};
const pool = new DecodePool({ workers: 2 });
await pool.decodeInto(${JSON.stringify(good[0])}, ${JSON.stringify(spec)}, { file: ${JSON.stringify(join(dir, 'exit', 'out.u8'))}, offset: 0 });
console.log('decoded', pool.pids.length);
`,
    );
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((res, rej) => {
      const t = setTimeout(() => (child.kill('SIGKILL'), rej(new Error('the program did not exit with an idle pool'))), 20_000);
      child.on('exit', (c) => (clearTimeout(t), res(c)));
    });
    expect(code).toBe(0);
    expect(out.trim()).toBe('decoded 2');
  });
});
