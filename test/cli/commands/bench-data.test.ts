import { describe, it, expect } from 'vitest';
import { run, formatDataBench, type DataBenchResult } from '../../../src/cli/commands/bench-data';
import { memoryIo } from '../../../src/cli/io';

describe('attune bench data', () => {
  it('measures decode and augmentation on generated JPEGs (no peer, tiny)', async () => {
    const io = memoryIo();
    expect(await run(['--count', '8', '--sizes', '32', '--no-peer', '--json'], io)).toBe(0);
    const r = JSON.parse(io.stdout[io.stdout.length - 1]) as DataBenchResult;
    expect(r.files).toBe(8);
    expect(r.sizes).toHaveLength(1);
    expect(r.sizes[0].size).toBe(32);
    expect(r.sizes[0].decode).toBeGreaterThan(0);
    expect(r.sizes[0].augment).toBeGreaterThan(0);
    expect(formatDataBench(r)).toMatch(/decode → cache/);
    expect(r.decoders).toBeGreaterThanOrEqual(1);
    expect(formatDataBench(r)).toMatch(/decoding in \d+ process/);
  });

  it('decodes in-process with --decoders 0, or in as many decoder processes as asked', async () => {
    for (const n of [0, 1]) {
      const io = memoryIo();
      expect(await run(['--count', '8', '--sizes', '16', '--no-peer', '--json', '--decoders', String(n)], io)).toBe(0);
      const r = JSON.parse(io.stdout[io.stdout.length - 1]) as DataBenchResult;
      expect(r.decoders).toBe(n);
      expect(r.sizes[0].decode).toBeGreaterThan(0);
      expect(formatDataBench(r)).toMatch(n ? /decoding in 1 process,/ : /decoding in-process/);
    }
  });

  it('rejects bad flags by name', async () => {
    await expect(run(['--sizes', 'abc'], memoryIo())).rejects.toThrow(/--sizes/);
    await expect(run(['--count', '2'], memoryIo())).rejects.toThrow(/--count/);
    await expect(run(['--decoders', '-1'], memoryIo())).rejects.toThrow(/--decoders/);
  });
});
