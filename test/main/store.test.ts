import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProjectStore } from '../../src/main/store/project-store';
import { dbPath } from '../../src/main/store/db';
import { LATEST_VERSION, migrations } from '../../src/main/store/migrations';
import { AppError } from '../../src/shared/errors';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'attune-store-'));
  dirs.push(d);
  return d;
}
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function sha(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return (e as AppError).code;
  }
  return undefined;
}

describe('project store', () => {
  it('creates a project with WAL, foreign keys, STRICT tables and the latest schema', () => {
    const folder = join(tempDir(), 'My project');
    const store = ProjectStore.create(folder, 'My project');
    expect(store.schemaVersion).toBe(LATEST_VERSION);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
    const tables = store.db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table'").all() as { name: string; sql: string }[];
    for (const t of ['project', 'datasets', 'images', 'runs', 'stages', 'metrics', 'checkpoints', 'artifacts']) {
      const table = tables.find((x) => x.name === t);
      expect(table, t).toBeDefined();
      expect(table!.sql).toMatch(/STRICT/);
    }
    expect(store.projects.get().name).toBe('My project');
    store.close();
    const again = ProjectStore.open(folder);
    expect(again.projects.get().name).toBe('My project');
    again.close();
  });

  it('refuses to create a project over an existing one', () => {
    const folder = tempDir();
    ProjectStore.create(folder, 'a').close();
    expect(codeOf(() => ProjectStore.create(folder, 'b'))).toBe('already_exists');
  });

  it('reports a folder that is not a project and creates nothing in it', () => {
    const folder = tempDir();
    writeFileSync(join(folder, 'notes.txt'), 'hello');
    expect(codeOf(() => ProjectStore.open(folder))).toBe('not_a_project');
    expect(readdirSync(folder)).toEqual(['notes.txt']);
    expect(codeOf(() => ProjectStore.open(join(folder, 'missing')))).toBe('not_found');
  });

  it('refuses a database written by a newer schema and leaves it byte for byte', () => {
    const folder = tempDir();
    ProjectStore.create(folder, 'future').close();
    const raw = new Database(dbPath(folder));
    raw.pragma('journal_mode = DELETE');
    raw.pragma(`user_version = ${LATEST_VERSION + 5}`);
    raw.close();
    const before = sha(dbPath(folder));
    let message = '';
    try {
      ProjectStore.open(folder);
    } catch (e) {
      message = (e as Error).message;
      expect((e as AppError).code).toBe('schema_too_new');
    }
    expect(message).toContain(dbPath(folder));
    expect(sha(dbPath(folder))).toBe(before);
    expect(existsSync(dbPath(folder) + '-wal')).toBe(false);
  });

  it('reports a corrupt database by name and does not change it', () => {
    const folder = tempDir();
    writeFileSync(dbPath(folder), Buffer.from('this is not an sqlite file at all, just text'.repeat(200)));
    const before = sha(dbPath(folder));
    let err: AppError | undefined;
    try {
      ProjectStore.open(folder);
    } catch (e) {
      err = e as AppError;
    }
    expect(err?.code).toBe('corrupt_database');
    expect(err?.message).toContain('attune.sqlite');
    expect(sha(dbPath(folder))).toBe(before);
  });

  it('stores runs, stages and metrics; re-logging a step after resume does not duplicate it', () => {
    const store = ProjectStore.create(tempDir(), 'runs');
    store.runs.create({ id: 'r1', groupId: 'g1', name: 'hpt seed 1', recipe: 'hpt', config: { lr: 0.1 }, seed: 1 }, [
      { name: 'pretrain', kind: 'ssl', totalSteps: 100 },
      { name: 'finetune', kind: 'finetune', totalSteps: 50 },
    ]);
    store.runs.setStatus('r1', 'running');
    store.runs.setStageStatus('r1', 0, 'running');
    const points = [0, 10, 20].map((step) => ({ stageIdx: 0, name: 'loss', step, value: 1 / (step + 1), wallMs: step }));
    store.metrics.putBatch('r1', points);
    store.metrics.putBatch('r1', [{ stageIdx: 0, name: 'loss', step: 20, value: 0.5, wallMs: 99 }]);
    const series = store.metrics.series('r1');
    expect(series.map((p) => p.step)).toEqual([0, 10, 20]);
    expect(series[2].value).toBe(0.5);
    expect(store.runs.markInterrupted()).toEqual(['r1']);
    expect(store.runs.get('r1')?.status).toBe('interrupted');
    expect(store.runs.stages('r1').map((s) => s.status)).toEqual(['interrupted', 'pending']);
    expect(store.runs.get('r1')?.config).toEqual({ lr: 0.1 });
    store.close();
  });

  it('writes image batches in one transaction and enforces foreign keys', () => {
    const store = ProjectStore.create(tempDir(), 'images');
    const ds = store.datasets.upsert('cats', 'labeled-folder', '/data/cats');
    expect(store.datasets.upsert('cats again', 'labeled-folder', '/data/cats').id).toBe(ds.id);
    const row = (i: number) => ({
      relPath: `c/${i}.png`, role: 'labeled' as const, label: i % 2 ? 'cat' : 'dog', split: null, byteSize: 10, mtimeMs: 1,
      sha256: `h${i}`, width: 28, height: 28, channels: 1, format: 'png', bitDepth: 8, hasAlpha: false, colorSpace: 'b-w', error: null,
    });
    store.images.putBatch(ds.id, Array.from({ length: 10 }, (_, i) => row(i)));
    expect(store.images.count(ds.id)).toEqual({ n: 10, readable: 10 });
    expect(store.images.labelCounts(ds.id)).toEqual([{ label: 'cat', n: 5 }, { label: 'dog', n: 5 }]);
    expect(store.images.known(ds.id, 'c/3.png')).toEqual({ byteSize: 10, mtimeMs: 1, sha256: 'h3' });
    expect(() => store.images.putBatch(999, [row(1)])).toThrow(/FOREIGN KEY/);
    store.close();
  });

  it('migrates a version-1 database to run splits and keeps every other row', () => {
    const folder = tempDir();
    const v1 = new Database(dbPath(folder));
    v1.exec(migrations[0] as string);
    v1.pragma('user_version = 1');
    v1.prepare("INSERT INTO project (id, name, created_at) VALUES ('p1', 'old project', '2025-01-01')").run();
    v1.prepare("INSERT INTO datasets (id, name, kind, root, created_at) VALUES (1, 'cats', 'labeled-folder', '/data/cats', '2025-01-01')").run();
    v1.prepare("INSERT INTO images (dataset_id, rel_path, role, label, byte_size, mtime_ms) VALUES (1, 'cat/1.png', 'labeled', 'cat', 10, 1)").run();
    v1.prepare("INSERT INTO runs (id, name, recipe, status, config_json, seed, created_at) VALUES ('r1', 'old run', 'blog', 'completed', '{}', 3, '2025-01-01')").run();
    v1.prepare("INSERT INTO metrics (run_id, stage_idx, name, step, value, wall_ms) VALUES ('r1', 1, 'loss', 1, 0.5, 1)").run();
    v1.prepare("INSERT INTO artifacts (run_id, kind, path, created_at) VALUES ('r1', 'split', '/x/split.json', '2025-01-01')").run();
    v1.close();
    const store = ProjectStore.open(folder);
    expect(store.schemaVersion).toBe(LATEST_VERSION);
    expect(store.projects.get().name).toBe('old project');
    expect(store.images.known(1, 'cat/1.png')).toMatchObject({ byteSize: 10 });
    expect(store.runs.get('r1')).toMatchObject({ name: 'old run', seed: 3, status: 'completed' });
    expect(store.metrics.series('r1')).toEqual([{ stageIdx: 1, name: 'loss', step: 1, value: 0.5, wallMs: 1 }]);
    expect(store.artifacts.list('r1').map((a) => a.kind)).toEqual(['split']);
    const columns = (t: string) => (store.db.prepare(`PRAGMA table_info(${t})`).all() as { name: string }[]).map((c) => c.name);
    expect(columns('splits')).toEqual(['id', 'run_id', 'seed', 'spec_json', 'class_names_json', 'created_at']);
    expect(columns('split_items')).toEqual(['split_id', 'part', 'key', 'pos']);
    expect(store.db.pragma('foreign_key_check')).toEqual([]);
    expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(store.splits.get('r1')).toBeNull();
    store.splits.put('r1', { seed: 3, spec: {}, classNames: ['cat'], train: ['cat/1.png'], val: [], test: [] });
    expect(store.splits.get('r1')?.train).toEqual(['cat/1.png']);
    store.close();
  });

  it('records a run split of thousands of keys in order, and a second put replaces it', () => {
    const store = ProjectStore.create(tempDir(), 'splits');
    store.runs.create({ id: 'r1', groupId: null, name: 'r', recipe: 'blog', config: {}, seed: 1 }, []);
    const keys = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}/img ${(i * 7919) % n}.png`);
    const split = {
      seed: 42, spec: { split: { val: 0.1, test: 0.2 }, labelBudget: { perClass: 100 } }, classNames: ['cat', 'dög'],
      train: keys('train', 5000), val: keys('val', 800), test: [...keys('test', 1500), 't10k#7'],
    };
    store.splits.put('r1', split);
    expect(store.splits.get('r1')).toEqual(split);
    const again = { ...split, seed: 43, train: ['a.png', 'b.png'], val: ['c.png'], test: ['a.png'] };
    store.splits.put('r1', again);
    expect(store.splits.get('r1')).toEqual(again);
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM splits').get()).toEqual({ n: 1 });
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM split_items').get()).toEqual({ n: 4 });
    expect(store.splits.get('other')).toBeNull();
    expect(() => store.splits.put('missing-run', again)).toThrow(/FOREIGN KEY/);
    // a failed put leaves the previous split as it was (one transaction)
    expect(() => store.splits.put('r1', { ...again, val: ['x', 'x'] })).toThrow(/UNIQUE/);
    expect(store.splits.get('r1')).toEqual(again);
    store.db.prepare("DELETE FROM runs WHERE id = 'r1'").run();
    expect(store.db.prepare('SELECT (SELECT COUNT(*) FROM splits) + (SELECT COUNT(*) FROM split_items) AS n').get()).toEqual({ n: 0 });
    store.close();
  });
});
