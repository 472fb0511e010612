/**
 * One run whose stored config_json was broken with raw SQL in a real project database: `attune
 * runs` lists it as damaged by id and keeps listing the others; `resume` and `compare` of it say
 * which run is damaged and why, and the good run still compares.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProjectStore } from '../../../src/main/store/project-store';
import { dbPath } from '../../../src/main/store/db';
import { memoryIo } from '../../../src/cli/io';
import { run as runsCli } from '../../../src/cli/commands/runs';
import { run as resumeCli } from '../../../src/cli/commands/resume';
import { run as compareCli } from '../../../src/cli/commands/compare';
import { createNodeApp } from '../../../src/main/node-app';

const GOOD = 'aaaaaaaa-0000-4000-8000-000000000001';
const BAD = 'bbbbbbbb-0000-4000-8000-000000000002';
let root: string;
let dir: string;
const savedHome = process.env.ATTUNE_HOME;

const config = (name: string) => ({ name, recipe: 'blog', seed: 1, backbone: { arch: 'small-resnet', weights: null, config: {} }, data: { size: 16 }, stages: [] });
const summary = {
  plain: { loss: 0.5, auc: 0.8, f1: 0.7, accuracy: 0.75 }, tta: null, classNames: ['a', 'b'],
  confusion: [[1, 0], [0, 1]], confusionTta: null, testSize: 2, aucKind: 'binary',
};

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'attune-damaged-'));
  process.env.ATTUNE_HOME = join(root, 'home');
  dir = join(root, 'project');
  const store = ProjectStore.create(dir, 'damaged');
  for (const id of [GOOD, BAD]) {
    store.runs.create({ id, groupId: null, name: id === GOOD ? 'good run' : 'bad run', recipe: 'blog', config: config(id), seed: 1 }, [{ name: 'finetune', kind: 'finetune', totalSteps: 2 }]);
    store.runs.setSummary(id, summary);
    store.runs.setStatus(id, 'completed');
  }
  store.close();
  // the damage: a config cut off in the middle of a string, written behind Attune's back
  const raw = new Database(dbPath(dir));
  raw.prepare('UPDATE runs SET config_json = ? WHERE id = ?').run('{"name": "bad run", "backbone": {"arch": "small-res', BAD);
  raw.close();
});

afterAll(() => {
  if (savedHome === undefined) delete process.env.ATTUNE_HOME;
  else process.env.ATTUNE_HOME = savedHome;
  rmSync(root, { recursive: true, force: true });
});

describe('a run whose stored configuration cannot be read', () => {
  it('attune runs lists it as damaged by id and keeps the other run usable', async () => {
    const io = memoryIo();
    expect(await runsCli(['--project', dir], io)).toBe(0);
    const text = io.stdout.join('\n');
    expect(text).toMatch(/bbbbbbbb\s+bad run\s+blog\s+damaged!/);
    expect(text).toMatch(/aaaaaaaa\s+good run\s+blog\s+completed\s/);
    expect(text).toContain(`run ${BAD} is damaged: its stored configuration cannot be read`);
    const json = memoryIo();
    expect(await runsCli(['--project', dir, '--json'], json)).toBe(0);
    const list = JSON.parse(json.stdout[0]) as { id: string; status: string; error: string | null; result: unknown }[];
    expect(list.find((r) => r.id === BAD)).toMatchObject({ status: 'damaged', result: null });
    expect(list.find((r) => r.id === GOOD)).toMatchObject({ status: 'completed', error: null, result: summary });
  });

  it('attune resume of it names the run and what is damaged', async () => {
    await expect(resumeCli(['bbbbbbbb', '--project', dir], memoryIo())).rejects.toThrow(`run ${BAD} is damaged: its stored configuration cannot be read`);
  });

  it('attune compare skips it with the reason and still compares the good run', async () => {
    const io = memoryIo();
    expect(await compareCli([GOOD.slice(0, 8), BAD.slice(0, 8), '--project', dir, '--by-run'], io)).toBe(0);
    const text = io.stdout.join('\n');
    expect(text).toMatch(/good run \[aaaaaaaa\]\s+1\s+0\.5000\s+0\.8000/);
    expect(text).toContain(`(skipped ${BAD}: run ${BAD} is damaged: its stored configuration cannot be read`);
  });

  it('the services refuse its detail by id and serve the good one', async () => {
    const app = createNodeApp('cli', join(root, 'home'));
    try {
      expect(() => app.runs.get(dir, BAD)).toThrow(`run ${BAD} is damaged: its stored configuration cannot be read`);
      expect(app.runs.get(dir, GOOD).config).toMatchObject({ name: GOOD });
      expect(app.runs.resolveId(dir, 'bbbb')).toBe(BAD);
      const reply = await app.dispatch('runs.get', { project: dir, runId: BAD });
      expect(reply).toMatchObject({ ok: false, error: { code: 'validation', message: expect.stringContaining(`run ${BAD} is damaged`) } });
    } finally {
      await app.shutdown();
    }
  });
});
