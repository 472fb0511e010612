/**
 * `models.export` checks the chosen checkpoint against the SHA-256 the store recorded: a
 * changed or missing file is refused, naming file and run, before the engine is asked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodeApp, type NodeApp } from '../../../src/main/node-app';

let root: string;
let dir: string;
let app: NodeApp;
let file: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'attune-export-'));
  app = createNodeApp('cli', join(root, 'home'));
  dir = join(root, 'project');
  app.projects.create('export', dir);
  const store = app.projects.get(dir);
  store.runs.create({ id: 'r1', groupId: null, name: 'model run', recipe: 'scratch', config: { name: 'r', backbone: { arch: 'small-resnet', config: {} } }, seed: 1 },
    [{ name: 'finetune', kind: 'finetune', totalSteps: 2 }]);
  store.runs.setStatus('r1', 'completed');
  mkdirSync(join(dir, 'runs', 'r1'), { recursive: true });
  file = join(dir, 'runs', 'r1', 'ckpt-s0-0000002-end.safetensors');
  const bytes = Buffer.from('checkpoint bytes as written');
  writeFileSync(file, bytes);
  store.checkpoints.put({ runId: 'r1', stageIdx: 0, step: 2, path: file, sha256: createHash('sha256').update(bytes).digest('hex'), byteSize: bytes.length, final: false });
});

afterAll(async () => {
  await app.shutdown();
  rmSync(root, { recursive: true, force: true });
});

describe('export of a checkpoint', () => {
  it('is refused when the file was changed, naming file and run', async () => {
    writeFileSync(file, 'checkpoint bytes as WRITTEN'); // same size, other bytes
    const reply = await app.dispatch('models.export', { project: dir, runId: 'r1' });
    expect(reply).toMatchObject({ ok: false, error: { code: 'validation' } });
    expect((reply as { error: { message: string } }).error.message).toBe(
      'checkpoint runs/r1/ckpt-s0-0000002-end.safetensors of run r1 cannot be used: its content does not match the SHA-256 recorded when it was written (the file was changed or damaged). Export an earlier checkpoint of this run, or run its stage again.',
    );
  });

  it('is refused when the file is missing', async () => {
    rmSync(file);
    const reply = await app.dispatch('models.export', { project: dir, runId: 'r1', checkpointPath: file });
    expect((reply as { error: { message: string } }).error.message).toMatch(/^checkpoint runs\/r1\/ckpt-s0-0000002-end\.safetensors of run r1 cannot be used: its file is missing/);
  });
});
