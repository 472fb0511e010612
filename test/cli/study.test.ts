/**
 * `attune study fashion-mnist` end to end as a miniature (a few steps per arm on small subsets
 * of the real Fashion-MNIST, one seed): the JSON shape on the last line, the paired bookkeeping,
 * the runs left in the project for the Compare view, and one path: an arm's recipe run again with
 * `attune run` gives the study's metrics exactly. Accuracies are not checked.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryIo } from '../../src/cli/io';
import { run } from '../../src/cli/commands/study';
import { run as attuneRun } from '../../src/cli/commands/run';
import { ProjectStore } from '../../src/main/store/project-store';
import { compareRuns } from '../../src/main/services/runs/compare';

const ARMS = ['scratch', 'base', 'specialist', 'hpt', 'hpt-bn', 'hpt-daft', 'uft', 'p2x'];
const haveData = existsSync('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz');

describe.skipIf(!haveData)('attune study fashion-mnist (miniature)', () => {
  it('runs every arm on one paired seed, prints the report and JSON, and stores the runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'attune-study-'));
    try {
      const io = memoryIo();
      const md = join(dir, 'STUDY-mini.md');
      const code = await run(['fashion-mnist', '--budget', 'mini', '--seeds', '1', '--first-seed', '1', '--project', join(dir, 'proj'), '--json', '--markdown', md, '--raw', join(dir, 'raw.json')], io);
      expect(code).toBe(0);
      const out = JSON.parse(io.stdout[io.stdout.length - 1]);
      expect(out.arms.map((a: { name: string }) => a.name)).toEqual(ARMS);
      for (const a of out.arms) {
        for (const m of [a.linearProbe.accuracy, a.finetune.accuracy, a.finetune.macroF1]) {
          expect(m.mean).toBeGreaterThanOrEqual(0);
          expect(m.mean).toBeLessThanOrEqual(1);
          expect(m.std).toBeGreaterThanOrEqual(0);
        }
        expect(a.seconds).toBeGreaterThan(0);
        expect(a.seeds).toEqual([1]);
        // paired differences are per seed and equal arm − reference on that seed
        const perSeed = a.paired.vsBase.linearProbe.perSeed;
        expect(perSeed.map((p: { seed: number }) => p.seed)).toEqual([1]);
        expect(perSeed[0].diff).toBeCloseTo(a.linearProbe.accuracy.mean - out.arms[1].linearProbe.accuracy.mean, 12);
      }
      const byName = Object.fromEntries(out.arms.map((a: { name: string }) => [a.name, a]));
      expect(byName.base.paired.vsBase.linearProbe.mean).toBe(0);
      expect(byName.scratch.paired.vsScratch.finetune.mean).toBe(0);
      // HPT + DAFT fine-tunes the backbone the HPT run saved: the same probe, the same pretraining
      expect(byName['hpt-daft'].linearProbe).toEqual(byName.hpt.linearProbe);
      expect(byName['hpt-daft'].pretrainSteps).toBe(byName.hpt.pretrainSteps);
      expect(byName.hpt.pretrainSteps * 4).toBeLessThanOrEqual(byName.specialist.pretrainSteps);
      expect(byName.hpt.baseSteps).toBeGreaterThan(0);
      expect(byName.specialist.baseSteps).toBe(0);
      // one labeled draw for the seed, shared by every arm (the summary refuses anything else)
      expect(out.draws).toEqual([expect.objectContaining({ seed: 1, labeled: 10, testSize: 30 })]);
      expect(readFileSync(md, 'utf8')).toContain('| hpt-daft |');
      // the raw per-arm results (what bench/study/report.ts merges) agree with the summary
      const raw = JSON.parse(readFileSync(join(dir, 'raw.json'), 'utf8'));
      expect(raw.results).toHaveLength(8);
      expect(raw.results.find((r: { arm: string }) => r.arm === 'uft').linearProbe.accuracy).toBe(byName.uft.linearProbe.accuracy.mean);
      expect(io.stdout.join('\n')).toContain('Paired differences per seed');
      // the runs stay in the project: 8 arms × 2 seeds, one group per arm, comparable
      const store = ProjectStore.open(join(dir, 'proj'));
      try {
        const runs = store.runs.list();
        expect(runs).toHaveLength(8);
        expect(runs.every((r) => r.status === 'completed')).toBe(true);
        expect(new Set(runs.map((r) => r.groupId)).size).toBe(8);
        expect(out.runIds.sort()).toEqual(runs.map((r) => r.id).sort());
        const report = compareRuns(store, [], [...new Set(runs.map((r) => r.groupId!))], true);
        // the arms, and one pixels-logreg floor: every arm of the seed trained on the same labels
        expect(report.rows.map((r) => r.label).sort()).toEqual([...ARMS.map((a) => `study ${a} (mini budget)`), 'pixels-logreg'].sort());
        expect(report.rows.filter((r) => r.kind === 'run').every((r) => r.plain.accuracy.n === 1)).toBe(true);
        const floor = report.rows.find((r) => r.kind === 'floor')!;
        expect([floor.plain.accuracy.n, floor.plain.accuracy.std]).toEqual([8, 0]);
      } finally {
        store.close();
      }
      // one path: the study wrote each arm's recipe; `attune run` of the hpt arm's (which starts
      // from the base run's saved backbone) reproduces the study's metrics for that arm exactly
      const studies = join(dir, 'proj', 'studies');
      const recipe = join(studies, readdirSync(studies)[0], 'hpt-seed1.yaml');
      const runIo = memoryIo();
      expect(await attuneRun([recipe, '--project', join(dir, 'again'), '--json'], runIo)).toBe(0);
      const again = JSON.parse(runIo.stdout[runIo.stdout.length - 1]).runs[0].result;
      const hpt = raw.results.find((r: { arm: string }) => r.arm === 'hpt');
      expect(again.plain.accuracy).toBe(hpt.finetune.accuracy);
      expect(again.plain.loss).toBe(hpt.finetune.logLoss);
      expect(again.plain.f1).toBe(hpt.finetune.macroF1);
      expect(again.confusion).toEqual(hpt.finetune.confusion);
      expect(again.linearProbe.accuracy).toBe(hpt.linearProbe.accuracy);
      expect(again.linearProbe.loss).toBe(hpt.linearProbe.logLoss);
      // a second process with the next seed into the same project joins the arms' groups
      expect(await run(['fashion-mnist', '--budget', 'mini', '--seeds', '1', '--first-seed', '2', '--project', join(dir, 'proj')], memoryIo())).toBe(0);
      const joined = ProjectStore.open(join(dir, 'proj'));
      try {
        const runs = joined.runs.list();
        expect(runs).toHaveLength(16);
        const groups = [...new Set(runs.map((r) => r.groupId!))];
        expect(groups).toHaveLength(8);
        const report = compareRuns(joined, [], groups, true);
        expect(report.rows.filter((r) => r.kind === 'run').every((r) => r.plain.accuracy.n === 2)).toBe(true);
      } finally {
        joined.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // every arm trains (several minutes on a loaded 2-core CI machine): the 120 s default is too tight
  }, 900_000);

  it('rejects an unknown study and contradictory flags with usage errors', async () => {
    await expect(run(['cifar'], memoryIo())).rejects.toThrow(/the only study is "fashion-mnist"/);
    await expect(run(['fashion-mnist', '--quick', '--budget', 'full'], memoryIo())).rejects.toThrow(/contradict/);
    await expect(run(['fashion-mnist', '--seeds', '0'], memoryIo())).rejects.toThrow(/--seeds must be an integer/);
  });
});
