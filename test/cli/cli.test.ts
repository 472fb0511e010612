import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { main } from '../../src/cli/attune';
import { memoryIo } from '../../src/cli/io';

const bin = resolve(__dirname, '..', '..', 'bin', 'attune.mjs');

describe('attune CLI', () => {
  it('prints help listing every command, and the version', async () => {
    const io = memoryIo();
    expect(await main(['--help'], io)).toBe(0);
    const help = io.stdout.join('\n');
    for (const cmd of ['doctor', 'serve']) expect(help).toContain(cmd);
    const v = memoryIo();
    expect(await main(['--version'], v)).toBe(0);
    expect(v.stdout[0]).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('rejects unknown commands and flags with exit code 2 and a message', async () => {
    const io = memoryIo();
    expect(await main(['frobnicate'], io)).toBe(2);
    expect(io.stderr[0]).toMatch(/unknown command "frobnicate"/);
    const flags = memoryIo();
    expect(await main(['doctor', '--colour'], flags)).toBe(2);
    expect(flags.stderr[0]).toMatch(/colour/);
  });

  it('runs as a real executable (bin/attune.mjs)', () => {
    const out = execFileSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });
    expect(out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('doctor --json prints one valid JSON object naming the active backend and every backend tried', () => {
    const out = execFileSync(process.execPath, [bin, 'doctor', '--json'], { encoding: 'utf8', cwd: join(__dirname, '..', '..') });
    const report = JSON.parse(out.trim().split('\n').pop()!);
    expect(typeof report.backend).toBe('string');
    expect(report.backend.length).toBeGreaterThan(0);
    expect(report.attempts.length).toBeGreaterThanOrEqual(3);
    expect(report.versions.attune).toMatch(/\d/);
  });
});
