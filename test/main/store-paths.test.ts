/**
 * Artifact paths relative to the project folder: migration 3 rewrites the absolute paths of an
 * older project (inside the folder, or of a project copied or moved before it), the store
 * refuses to record a file outside the folder, and pruning never deletes outside it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProjectStore } from '../../src/main/store/project-store';
import { dbPath } from '../../src/main/store/db';
import { migrations } from '../../src/main/store/migrations';
import { assertInsideProject, isInsideProject } from '../../src/main/store/paths';
import { RunPersister } from '../../src/main/services/runs/persist';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'attune-paths-'));
  dirs.push(d);
  return d;
}
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A version-2 project (before relative paths) in `folder` whose rows hold the given absolute paths. */
function v2Project(folder: string, runId: string, ckpt: string, artifact: string, outside: string): void {
  mkdirSync(folder, { recursive: true });
  const db = new Database(dbPath(folder));
  db.exec(migrations[0] as string);
  db.exec(migrations[1] as string);
  db.pragma('user_version = 2');
  db.prepare("INSERT INTO project (id, name, created_at) VALUES ('p', 'old', '2025-01-01')").run();
  db.prepare("INSERT INTO runs (id, name, recipe, status, config_json, seed, created_at) VALUES (?, 'r', 'blog', 'paused', '{}', 1, '2025-01-01')").run(runId);
  db.prepare("INSERT INTO checkpoints (run_id, stage_idx, step, path, created_at) VALUES (?, 1, 3, ?, '2025-01-01')").run(runId, ckpt);
  db.prepare("INSERT INTO artifacts (run_id, kind, path, created_at) VALUES (?, 'split', ?, '2025-01-01')").run(runId, artifact);
  db.prepare("INSERT INTO artifacts (run_id, kind, path, created_at) VALUES (?, 'report', ?, '2025-01-01')").run(runId, outside);
  db.close();
}

function storedPaths(store: ProjectStore): string[] {
  return (store.db.prepare('SELECT path FROM checkpoints UNION ALL SELECT path FROM artifacts').pluck().all() as string[]).sort();
}

describe('artifact paths', () => {
  it('migration 3 makes the paths inside the project relative and leaves a foreign one absolute', () => {
    const folder = join(tempDir(), 'project');
    const ck = join(folder, 'runs', 'r1', 'ckpt-s1-0000003.safetensors');
    v2Project(folder, 'r1', ck, join(folder, 'runs', 'r1', 'split.json'), '/elsewhere/report.html');
    const store = ProjectStore.open(folder);
    try {
      expect(storedPaths(store)).toEqual(['/elsewhere/report.html', 'runs/r1/ckpt-s1-0000003.safetensors', 'runs/r1/split.json']);
      expect(store.checkpoints.latest('r1')!.path).toBe(ck);
      expect(store.artifacts.list('r1').map((a) => a.path)).toEqual([join(folder, 'runs', 'r1', 'split.json'), '/elsewhere/report.html']);
    } finally {
      store.close();
    }
  });

  it('migration 3 points a project copied before it at its own files, and a moved one resolves in its new place', () => {
    const base = tempDir();
    const original = join(base, 'original');
    const ck = join(original, 'runs', 'r1', 'ckpt-s1-0000003.safetensors');
    v2Project(original, 'r1', ck, join(original, 'runs', 'r1', 'split.json'), join(original, 'runs', 'r1', 'gone.json'));
    mkdirSync(join(original, 'runs', 'r1'), { recursive: true });
    writeFileSync(ck, 'checkpoint bytes');
    writeFileSync(join(original, 'runs', 'r1', 'split.json'), '{}');
    const copy = join(base, 'copy');
    cpSync(original, copy, { recursive: true });
    const moved = join(base, 'moved');
    cpSync(original, moved, { recursive: true });
    rmSync(original, { recursive: true });
    for (const folder of [copy, moved]) {
      const store = ProjectStore.open(folder);
      try {
        // the copy's rows now name its own files; a file it does not have keeps the old absolute path
        expect(storedPaths(store)).toEqual([join(original, 'runs', 'r1', 'gone.json'), 'runs/r1/ckpt-s1-0000003.safetensors', 'runs/r1/split.json']);
        expect(store.checkpoints.latest('r1')!.path).toBe(join(folder, 'runs', 'r1', 'ckpt-s1-0000003.safetensors'));
        expect(readFileSync(store.checkpoints.latest('r1')!.path, 'utf8')).toBe('checkpoint bytes');
      } finally {
        store.close();
      }
    }
  });

  it('migration 5 marks stage-end checkpoints final from their file name; new rows store what the engine reported', () => {
    const folder = join(tempDir(), 'project');
    v2Project(folder, 'r1', join(folder, 'runs', 'r1', 'ckpt-s1-0000003-end.safetensors'), join(folder, 'runs', 'r1', 'split.json'), '/elsewhere/report.html');
    const raw = new Database(dbPath(folder));
    raw.prepare("INSERT INTO checkpoints (run_id, stage_idx, step, path, created_at) VALUES ('r1', 2, 5, ?, '2025-01-01')").run(join(folder, 'runs', 'r1', 'ckpt-s2-0000005.safetensors'));
    raw.close();
    const store = ProjectStore.open(folder);
    try {
      expect(store.checkpoints.list('r1').map((c) => [c.stageIdx, c.step, c.final])).toEqual([[1, 3, true], [2, 5, false]]);
      // a final row whose name says nothing: the stored flag decides, not the name
      store.checkpoints.put({ runId: 'r1', stageIdx: 2, step: 9, path: join(folder, 'runs', 'r1', 'renamed.safetensors'), sha256: null, byteSize: null, final: true });
      expect(store.checkpoints.latest('r1')).toMatchObject({ stageIdx: 2, step: 9, final: true });
    } finally {
      store.close();
    }
  });

  it('new rows are stored relative; a path outside the project is refused with the reason', () => {
    const folder = join(tempDir(), 'project');
    const store = ProjectStore.create(folder, 'p');
    try {
      store.runs.create({ id: 'r1', groupId: null, name: 'r', recipe: 'blog', config: {}, seed: 1 }, []);
      store.checkpoints.put({ runId: 'r1', stageIdx: 0, step: 1, path: join(folder, 'runs', 'r1', 'a.safetensors'), sha256: null, byteSize: null, final: false });
      store.artifacts.put('r1', 'split', join(folder, 'runs', 'r1', 'split.json'));
      expect(storedPaths(store)).toEqual(['runs/r1/a.safetensors', 'runs/r1/split.json']);
      expect(() => store.checkpoints.put({ runId: 'r1', stageIdx: 0, step: 2, path: join(folder, '..', 'other', 'b.safetensors'), sha256: null, byteSize: null, final: false }))
        .toThrow(/refused to record checkpoint of run r1 .*b\.safetensors: it lies outside the project folder/);
      expect(() => store.artifacts.put('r1', 'model', '/tmp/model.json')).toThrow(/outside the project folder/);
      expect(isInsideProject(folder, join(folder, 'runs'))).toBe(true);
      expect(isInsideProject(folder, `${folder}-copy/runs`)).toBe(false);
      expect(() => assertInsideProject(folder, '../x', 'delete')).toThrow(`refused to delete ${join(folder, '..', 'x')}`);
    } finally {
      store.close();
    }
  });

  it('pruning never deletes an old checkpoint that lies outside the project (a copy made before migration 3)', () => {
    const base = tempDir();
    const folder = join(base, 'copy');
    const foreign = join(base, 'original', 'runs', 'r1', 'ckpt-s1-0000003.safetensors');
    mkdirSync(join(base, 'original', 'runs', 'r1'), { recursive: true });
    writeFileSync(foreign, 'the original checkpoint');
    v2Project(folder, 'r1', foreign, join(folder, 'runs', 'r1', 'split.json'), '/elsewhere/x');
    const store = ProjectStore.open(folder);
    try {
      expect(store.checkpoints.latest('r1')!.path).toBe(foreign); // this copy lacks the file: the row stays absolute
      const runDir = join(folder, 'runs', 'r1');
      mkdirSync(runDir, { recursive: true });
      const logs: string[] = [];
      const persister = new RunPersister(store, folder, 'r1', runDir, (event, payload) => {
        if (event === 'runs.log') logs.push((payload as { message: string }).message);
      });
      const next = join(runDir, 'ckpt-s1-0000004.safetensors');
      writeFileSync(next, 'new');
      persister.onEvent('checkpoint', { stageIdx: 1, step: 4, path: next, sha256: 'x', byteSize: 3, final: false });
      expect(existsSync(foreign)).toBe(true);
      expect(readFileSync(foreign, 'utf8')).toBe('the original checkpoint');
      expect(logs.join('\n')).toMatch(/could not remove the old checkpoint .*refused to delete .*outside the project folder/);
      expect(store.checkpoints.list('r1').map((c) => c.step)).toEqual([3, 4]);
    } finally {
      store.close();
    }
  });
});
