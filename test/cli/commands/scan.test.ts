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
    // each path starts with the folder as given, never with a made-up name like main/ or unlabeled/
    expect(text).toContain(`${join(dir, 'set')}/cats/empty.jpg: empty file`);
    expect(text).toContain(`LEAK ${join(dir, 'set')}/cats/img_0.jpg  =  ${join(dir, 'loose')}/a.jpg`);
    expect(text).not.toMatch(/(^|\s)(main|unlabeled)\//m);
    expect(text).toMatch(/Suggested training resolution/);
  });

  it('detects the kind of input and rejects a missing path', async () => {
    expect((await detectSource(join(dir, 'set'))).kind).toBe('labeled-folder');
    expect((await detectSource(join(dir, 'loose'))).kind).toBe('unlabeled-folder');
    await expect(run([join(dir, 'nope')], memoryIo())).rejects.toThrow(/no such file or folder/);
  });

  it('warns when the sub-folders look like roles, not classes, and says what to scan instead', async () => {
    const root = join(dir, 'roles');
    await writeLabeledSet(join(root, 'train'), { cats: 2, dogs: 2 });
    await writeLabeledSet(join(root, 'test'), { cats: 1, dogs: 1 }, 40, 50);
    await mkdir(join(root, 'unlabeled'));
    await writeFile(join(root, 'unlabeled', 'u.jpg'), await patternImage(40, 40, 77));
    const io = memoryIo();
    expect(await run([root], io)).toBe(0);
    const err = io.stderr.join('\n');
    expect(err).toMatch(/sub-folders of .*roles look like roles \((train|test|unlabeled)\/, .*\), not classes/);
    expect(err).toContain(`attune scan ${root}/train`);
    expect(err).toContain(`--test ${root}/test`);
    expect(err).toContain(`--unlabeled ${root}/unlabeled`);
    // class folders get no warning
    const plain = memoryIo();
    expect(await run([join(dir, 'set')], plain)).toBe(0);
    expect(plain.stderr.join('\n')).not.toMatch(/look like roles/);
  });

  it('exits non-zero with "no images found" on an empty folder, and on one with no images', async () => {
    await mkdir(join(dir, 'empty'));
    const io = memoryIo();
    expect(await run([join(dir, 'empty')], io)).toBe(1);
    expect(io.stderr.join('\n')).toMatch(/no images found in .*empty/);
    await mkdir(join(dir, 'texts', 'a'), { recursive: true });
    await writeFile(join(dir, 'texts', 'a', 'notes.txt'), 'hello');
    const json = memoryIo();
    expect(await run([join(dir, 'texts'), '--json'], json)).toBe(1);
    expect(json.stderr.join('\n')).toMatch(/no images found/);
  });
});
