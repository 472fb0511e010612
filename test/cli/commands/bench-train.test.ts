/** `attune bench train`: a tiny run on wasm against the PyTorch peer, JSON on the last line. */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { memoryIo } from '../../../src/cli/io';
import { run, significant } from '../../../src/cli/commands/bench-train';

describe('attune bench train', () => {
  it('prints attune, torch and their ratio as JSON on the last line', async () => {
    const io = memoryIo();
    const args = ['--model', 'small-resnet', '--size', '16', '--batch', '4', '--steps', '2', '--warmup', '1', '--json'];
    const torch = existsSync('/usr/bin/python3');
    const code = await run(torch ? [...args, '--compare-torch'] : args, io);
    expect(code).toBe(0);
    const last = JSON.parse(io.stdout[io.stdout.length - 1]);
    expect(last.attune).toBeGreaterThan(0);
    expect(last.backend).toBe('wasm');
    if (torch) {
      expect(last.torch).toBeGreaterThan(0);
      // The ratio is computed before rounding, then rounded to 3 significant digits (relative
      // error <= 0.5 %); each throughput to 4 (<= 0.05 % each). The bound holds at any speed,
      // however loaded the machine is.
      expect(Math.abs(last.ratio - last.attune / last.torch) / last.ratio).toBeLessThanOrEqual(0.0061);
    }
  });

  it('rounds to significant digits, so slow machines keep their relative precision', () => {
    expect(significant(0.0123456, 3)).toBe(0.0123);
    expect(significant(1.23456, 4)).toBe(1.235);
    expect(significant(987.654, 3)).toBe(988);
    expect(significant(0, 3)).toBe(0);
  });

  it('rejects an unknown model with a usage error naming the flag', async () => {
    await expect(run(['--model', 'vgg16'], memoryIo())).rejects.toThrow(/--model must be one of/);
  });
});
