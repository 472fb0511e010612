/** `attune bench train`: a tiny run on wasm against the PyTorch peer, JSON on the last line. */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { memoryIo } from '../../../src/cli/io';
import { run } from '../../../src/cli/commands/bench-train';

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
      // both throughputs are rounded to 2 decimals, the ratio is computed before rounding
      expect(Math.abs(last.ratio - last.attune / last.torch) / last.ratio).toBeLessThan(0.01);
    }
  });

  it('rejects an unknown model with a usage error naming the flag', async () => {
    await expect(run(['--model', 'vgg16'], memoryIo())).rejects.toThrow(/--model must be one of/);
  });
});
