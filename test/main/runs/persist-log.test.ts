/**
 * The run log records checkpoints as they are saved (run.log and the studio's log), with the
 * stage by name and whether it ends the stage.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProjectStore } from '../../../src/main/store/project-store';
import { RunPersister } from '../../../src/main/services/runs/persist';

const cleanup: (() => void)[] = [];
afterEach(() => cleanup.splice(0).forEach((f) => f()));

describe('RunPersister log', () => {
  it('logs each checkpoint saved, by stage name and step', () => {
    const base = mkdtempSync(join(tmpdir(), 'attune-persist-log-'));
    const store = ProjectStore.create(join(base, 'project'), 'log');
    const root = join(base, 'project', 'runs', 'run-1');
    mkdirSync(root, { recursive: true });
    cleanup.push(() => {
      store.close();
      rmSync(base, { recursive: true, force: true });
    });
    store.runs.create({ id: 'run-1', groupId: null, name: 'r', recipe: 'blog', config: { name: 'r', seed: 0 }, seed: 0 }, [{ name: 'prepare', kind: 'prepare', totalSteps: 1 }, { name: 'pretrain', kind: 'pretrain', totalSteps: 100 }]);
    const logs: string[] = [];
    const persister = new RunPersister(store, 'project', 'run-1', root, (event, payload) => {
      if (event === 'runs.log') logs.push((payload as { message: string }).message);
    });
    const mid = join(root, 'pretrain-50.safetensors');
    const end = join(root, 'pretrain-end.safetensors');
    writeFileSync(mid, 'x');
    writeFileSync(end, 'y');
    persister.onEvent('checkpoint', { stageIdx: 1, step: 50, path: mid, sha256: 'a'.repeat(64), byteSize: 1, final: false });
    persister.onEvent('checkpoint', { stageIdx: 1, step: 100, path: end, sha256: 'b'.repeat(64), byteSize: 1, final: true });
    expect(logs).toEqual(['checkpoint saved: stage pretrain, step 50', 'checkpoint saved: stage pretrain, step 100 (end of stage)']);
    expect(readFileSync(join(root, 'run.log'), 'utf8')).toMatch(/info checkpoint saved: stage pretrain, step 100 \(end of stage\)/);
  });
});
