/**
 * A run's `split` artifact through RunPersister into a real project database: the split.json
 * lands in the split tables with the run's split settings; a broken file is a warning only.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProjectStore } from '../../../src/main/store/project-store';
import { RunPersister } from '../../../src/main/services/runs/persist';

const cleanup: (() => void)[] = [];
afterEach(() => cleanup.splice(0).forEach((f) => f()));

const data = { seed: 11, split: { val: 0.1, test: 0.2 }, labelBudget: { percent: 50 } };

function setup() {
  const base = mkdtempSync(join(tmpdir(), 'attune-persist-split-'));
  const store = ProjectStore.create(join(base, 'project'), 'splits');
  const root = join(base, 'project', 'runs', 'run-1'); // artifacts lie inside the project folder
  mkdirSync(root, { recursive: true });
  cleanup.push(() => {
    store.close();
    rmSync(base, { recursive: true, force: true });
  });
  store.runs.create({ id: 'run-1', groupId: null, name: 'r', recipe: 'blog', config: { name: 'r', seed: 11, data }, seed: 11 }, [{ name: 'prepare', kind: 'prepare', totalSteps: 1 }]);
  const logs: { level: string; message: string }[] = [];
  const persister = new RunPersister(store, 'project', 'run-1', root /* the run folder */, (event, payload) => {
    if (event === 'runs.log') logs.push(payload as { level: string; message: string });
  });
  return { store, root, logs, persister, file: join(root, 'split.json') };
}

describe('RunPersister and split artifacts', () => {
  it('stores split.json with the seed and spec of the run, and a re-emitted split replaces it', () => {
    const { store, logs, persister, file } = setup();
    const train = Array.from({ length: 3000 }, (_, i) => `Fashion-MNIST#${i}`);
    writeFileSync(file, JSON.stringify({ classNames: ['Sandal', 'Sneaker'], train, val: ['Fashion-MNIST#9000'], test: ['t10k#1', 't10k#2'], unlabeledFromBudget: 5 }));
    persister.onEvent('artifact', { kind: 'split', path: file });
    expect(store.splits.get('run-1')).toEqual({
      seed: 11, spec: { split: data.split, labelBudget: data.labelBudget }, classNames: ['Sandal', 'Sneaker'], train, val: ['Fashion-MNIST#9000'], test: ['t10k#1', 't10k#2'],
    });
    expect(store.artifacts.list('run-1').map((a) => [a.kind, a.path])).toEqual([['split', file]]);
    // prepare ran again (resume from the start): the newer file wins, nothing is duplicated
    writeFileSync(file, JSON.stringify({ classNames: ['Sandal', 'Sneaker'], train: ['a'], val: [], test: ['b'], unlabeledFromBudget: 0 }));
    persister.onEvent('artifact', { kind: 'split', path: file });
    expect(store.splits.get('run-1')).toMatchObject({ train: ['a'], val: [], test: ['b'] });
    expect(logs.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it.each([
    ['not JSON', '{"classNames": ["a", "b"], "train": ['],
    ['a number key', JSON.stringify({ classNames: ['a', 'b'], train: [1], val: [], test: [] })],
    ['no test part', JSON.stringify({ classNames: ['a', 'b'], train: ['x'], val: [] })],
    ['a key twice', JSON.stringify({ classNames: ['a', 'b'], train: ['x', 'x'], val: [], test: [] })],
  ])('a split.json with %s logs a warning naming the file and keeps the artifact row', (_what, text) => {
    const { store, logs, persister, file, root } = setup();
    writeFileSync(file, text);
    expect(() => persister.onEvent('artifact', { kind: 'split', path: file })).not.toThrow();
    expect(store.splits.get('run-1')).toBeNull();
    expect(store.artifacts.list('run-1').map((a) => a.kind)).toEqual(['split']);
    const warnings = logs.filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].message).toContain(file);
    expect(readFileSync(join(root, 'run.log'), 'utf8')).toContain(`warn split file ${file}`);
  });

  it('a missing split.json is a warning too', () => {
    const { store, logs, persister, root } = setup();
    const file = join(root, 'nowhere', 'split.json');
    persister.onEvent('artifact', { kind: 'split', path: file });
    expect(store.splits.get('run-1')).toBeNull();
    expect(logs.map((l) => l.level)).toEqual(['warn']);
    expect(logs[0].message).toContain(file);
  });

  it('a run config without split settings is a warning, not a guess', () => {
    const { store, logs, file, root } = setup();
    store.runs.create({ id: 'run-2', groupId: null, name: 'r2', recipe: 'blog', config: { name: 'r2' }, seed: 1 }, []);
    writeFileSync(file, JSON.stringify({ classNames: ['a', 'b'], train: ['x'], val: [], test: ['y'] }));
    new RunPersister(store, 'project', 'run-2', root, (event, payload) => {
      if (event === 'runs.log') logs.push(payload as { level: string; message: string });
    }).onEvent('artifact', { kind: 'split', path: file });
    expect(store.splits.get('run-2')).toBeNull();
    expect(logs.map((l) => l.message)).toEqual([expect.stringMatching(/split\.json was not recorded .*run config lacks the split settings: data: /)]);
  });
});
