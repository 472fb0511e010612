import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRunCheckpoint, writeRunCheckpoint, type RunCheckpoint } from '../../../src/engine/pipeline/checkpoint';
import { resumePoint } from '../../../src/engine/pipeline/execute';

function ck(step: number, final: boolean, value: number): RunCheckpoint {
  return {
    meta: { version: 1, runId: 'r1', stageIdx: 1, step, final, state: { rng: 12345, sampler: step, nested: { a: [1, 2] } } },
    groups: {
      backbone: { 'stem.conv.weight': { shape: [3, 3, 1, 2], data: Float32Array.from({ length: 18 }, (_, i) => i * value) } },
      optimizer: { 'online.stem.conv.weight/momentum': { shape: [2], data: Float32Array.of(value, -value) } },
    },
  };
}

describe('run checkpoints', () => {
  it('round-trips tensors by group and the JSON state', () => {
    const dir = mkdtempSync(join(tmpdir(), 'attune-ck-'));
    const w = writeRunCheckpoint(dir, ck(40, false, 0.5));
    expect(w.path).toMatch(/ckpt-s1-0000040\.safetensors$/);
    expect(w.sha256).toMatch(/^[0-9a-f]{64}$/);
    const back = readRunCheckpoint(w.path);
    expect(back.meta).toEqual(ck(40, false, 0.5).meta);
    expect(Array.from(back.groups.backbone['stem.conv.weight'].data)).toEqual(Array.from(ck(40, false, 0.5).groups.backbone['stem.conv.weight'].data));
    expect(back.groups.optimizer['online.stem.conv.weight/momentum'].shape).toEqual([2]);
    expect(resumePoint(back)).toEqual({ startIdx: 1, mid: back });
    expect(resumePoint(readRunCheckpoint(writeRunCheckpoint(dir, ck(50, true, 1)).path)).startIdx).toBe(2);
  });

  it('a full disk fails with that reason, leaves no partial file and keeps the previous checkpoint', () => {
    const dir = mkdtempSync(join(tmpdir(), 'attune-ck-'));
    const first = writeRunCheckpoint(dir, ck(10, false, 1));
    let calls = 0;
    const fullDisk = (fd: number, bytes: Uint8Array, off: number, len: number) => {
      if (calls++ > 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      return writeSync(fd, bytes, off, Math.min(len, 64));
    };
    expect(() => writeRunCheckpoint(dir, ck(20, false, 2), fullDisk)).toThrow(/ckpt-s1-0000020\.safetensors could not be written \(the disk is full\); the previous checkpoint is kept/);
    expect(readdirSync(dir).sort()).toEqual(['ckpt-s1-0000010.safetensors']);
    expect(readRunCheckpoint(first.path).groups.optimizer['online.stem.conv.weight/momentum'].data[0]).toBe(1);
  });

  it('names the file when a checkpoint is missing or not one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'attune-ck-'));
    expect(() => readRunCheckpoint(join(dir, 'nope.safetensors'))).toThrow(/nope\.safetensors cannot be read \(ENOENT\)/);
    const bad = join(dir, 'bad.safetensors');
    writeFileSync(bad, 'not a checkpoint at all');
    expect(() => readRunCheckpoint(bad)).toThrow(/bad\.safetensors/);
    expect(existsSync(bad)).toBe(true);
  });
});
