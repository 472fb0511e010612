import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, detectSource } from '../../../src/cli/commands/scan';
import { memoryIo } from '../../../src/cli/io';
import { HealthReport } from '../../../src/shared/schemas/dataset';
import { writeLabeledSet, writeBadInputs, BAD_INPUTS, patternImage } from '../../fixtures/images/generate';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'attune-cli-scan-'));
  await writeLabeledSet(join(dir, 'set'), { cats: 3, dogs: 2 });
  await writeBadInputs(join(dir, 'set'));
  await mkdir(join(dir, 'loose'));
  await writeFile(join(dir, 'loose', 'a.jpg'), await patternImage(40, 40, 0)); // same bytes as set/cats/img_0.jpg
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('attune scan', () => {
  it('--json prints one report object as the last line', async () => {
    const io = memoryIo();
    expect(await run([join(dir, 'set'), '--json'], io)).toBe(0);
    const report = HealthReport.parse(JSON.parse(io.stdout[io.stdout.length - 1]));
    expect(Object.keys(report.classes).sort()).toEqual(['cats', 'dogs']);
    expect(report.classes.cats).toBe(3); // the bad files in cats/ do not decode
    for (const p of Object.keys(BAD_INPUTS)) expect(report.problems.map((x) => x.path)).toContain(p);
    expect(report.readable).toBeGreaterThan(5);
    expect(Array.isArray(report.duplicates)).toBe(true);
  });

  it('prints a readable report and finds leakage with --unlabeled', async () => {
    const io = memoryIo();
    expect(await run([join(dir, 'set'), '--unlabeled', join(dir, 'loose')], io)).toBe(0);
    const text = io.stdout.join('\n');
    expect(text).toMatch(/images? decode/);
    expect(text).toMatch(/Classes \(2/);
    expect(text).toMatch(/main\/cats\/empty\.jpg: empty file/);
    expect(text).toMatch(/LEAK main\/cats\/img_0\.jpg {2}= {2}unlabeled\/a\.jpg/);
    expect(text).toMatch(/Suggested training resolution/);
  });

  it('detects the kind of input and rejects a missing path', async () => {
    expect((await detectSource(join(dir, 'set'))).kind).toBe('labeled-folder');
    expect((await detectSource(join(dir, 'loose'))).kind).toBe('unlabeled-folder');
    await expect(run([join(dir, 'nope')], memoryIo())).rejects.toThrow(/no such file or folder/);
  });
});
