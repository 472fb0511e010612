/**
 * A project folder after a real tiny run paused mid fine-tune (so it holds a stage-end and a
 * mid-stage checkpoint) is copied, moved and tampered with, then resumed on the real engine:
 * - a copy resumes from its own files and the original's files stay byte for byte;
 * - a moved project resumes; a copy whose original was deleted resumes;
 * - flipped bytes in the newest checkpoint fall back to the previous intact one (said in run.log);
 * - with every checkpoint tampered, resume is refused naming file and run, and --restart-stage
 *   starts over; the engine itself refuses a file whose SHA-256 does not match.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createNodeApp, type NodeApp } from '../../../src/main/node-app';
import { readRunCheckpoint } from '../../../src/engine/pipeline/checkpoint';

const FM = '/usr/share/datasets/fashion-mnist';
const recipe = {
  name: 'copied',
  recipe: 'blog',
  backbone: { arch: 'small-resnet', weights: null, config: { widths: [8, 16], blocks: 1 } },
  data: { idx: { images: `${FM}/t10k-images-idx3-ubyte.gz`, labels: `${FM}/t10k-labels-idx1-ubyte.gz`, classes: [5, 7], limit: 64 }, size: 16, split: { val: 0.2, test: 0.25 } },
  batchSize: 8,
  checkpointEvery: 1,
  logEvery: 1,
  stages: { pretrain: { steps: 3 }, finetune: { headEpochs: 1, epochs: 1, maxStepsPerEpoch: 3 } },
};

let root: string;
let app: NodeApp;
let original: string;
let runId: string;

/** Every file under a folder with its SHA-256, by path relative to it. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

/** Flips bytes near the end of a checkpoint: inside the tensor data, so it still parses. */
function tamper(file: string): void {
  const bytes = readFileSync(file);
  for (let i = bytes.length - 12; i < bytes.length - 4; i++) bytes[i] ^= 0x5a;
  writeFileSync(file, bytes);
}

function copyOf(name: string): string {
  const dir = join(root, name);
  cpSync(original, dir, { recursive: true });
  return dir;
}

async function resumeToEnd(dir: string, opts?: { restartStage?: boolean }) {
  app.runs.resume(dir, runId, opts);
  const done = await app.runs.waitFor(dir, runId);
  expect(done.error, `${dir}: ${done.error}`).toBeNull();
  expect(done.status).toBe('completed');
  const detail = app.runs.get(dir, runId);
  for (const c of detail.checkpoints) {
    expect(c.path.startsWith(`${dir}/`), c.path).toBe(true);
    expect(existsSync(c.path)).toBe(true);
  }
  return detail;
}

const runLog = (dir: string) => readFileSync(join(dir, 'runs', runId, 'run.log'), 'utf8');

afterAll(async () => {
  await app?.shutdown();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe.skipIf(!existsSync(`${FM}/t10k-images-idx3-ubyte.gz`))('a project folder copied, moved and tampered with', () => {
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'attune-copy-'));
    app = createNodeApp('cli', join(root, 'home'));
    original = join(root, 'original');
    app.projects.create('copy test', original);
    const { runIds } = app.runs.start({ project: original, recipe });
    runId = runIds[0];
    let paused: Promise<unknown> | undefined;
    app.setEventSink((event, payload) => {
      const p = payload as { runId?: string; stageIdx?: number; step?: number };
      if (!paused && event === 'runs.stageProgress' && p.runId === runId && p.stageIdx === 2 && (p.step ?? 0) >= 2) paused = app.runs.pause(original, runId);
    });
    const r = await app.runs.waitFor(original, runId);
    await paused;
    app.setEventSink(() => {});
    expect(r.status).toBe('paused');
    app.projects.close(original); // a person copies a closed project
  }, 300_000);

  it('holds a stage-end and a mid fine-tune checkpoint, stored relative to the folder', () => {
    const cks = app.runs.get(original, runId).checkpoints;
    expect(cks.map((c) => c.stageIdx)).toEqual([1, 2]);
    expect(cks[0].path).toMatch(/ckpt-s1-0000003-end\.safetensors$/);
    expect(cks[1].path).not.toMatch(/-end\.safetensors$/);
    const stored = app.projects.get(original).db.prepare('SELECT path FROM checkpoints ORDER BY stage_idx').pluck().all() as string[];
    expect(stored.every((p) => p.startsWith(`runs/${runId}/`))).toBe(true);
    app.projects.close(original);
  });

  it('resumes a copy from its own files, leaving the original byte for byte', async () => {
    for (const name of ['tamper-newest', 'tamper-all', 'copy-then-delete']) copyOf(name); // for the tests below
    const before = snapshot(original);
    const copy = copyOf('copy');
    await resumeToEnd(copy);
    expect(snapshot(original)).toEqual(before);
  }, 300_000);

  it('resumes a moved project, then a copy whose original was deleted', async () => {
    const moved = join(root, 'moved');
    renameSync(original, moved);
    await resumeToEnd(moved);
    rmSync(moved, { recursive: true });
    await resumeToEnd(join(root, 'copy-then-delete'));
  }, 300_000);

  it('falls back to the previous intact checkpoint when the newest was tampered with, and says so', async () => {
    const dir = join(root, 'tamper-newest');
    const newest = app.runs.get(dir, runId).checkpoints.at(-1)!;
    tamper(newest.path);
    const detail = await resumeToEnd(dir);
    const log = runLog(dir);
    expect(log).toContain(`checkpoint ${relative(dir, newest.path)} of run ${runId} (stage 2, step ${newest.step}): its content does not match the SHA-256`);
    expect(log).toMatch(/resuming from the previous intact checkpoint .*ckpt-s1-0000003-end\.safetensors instead/);
    expect(log).toMatch(/resuming at stage 2 \(finetune\) from .*ckpt-s1-0000003-end\.safetensors/);
    expect(existsSync(`${newest.path}.damaged`)).toBe(true);
    expect(detail.stages.every((s) => s.status === 'completed')).toBe(true);
  }, 300_000);

  it('refuses when no checkpoint is intact, naming file and run; --restart-stage starts over', async () => {
    const dir = join(root, 'tamper-all');
    const cks = app.runs.get(dir, runId).checkpoints;
    for (const c of cks) tamper(c.path);
    // the engine refuses the file on its own too, when told the recorded hash
    const recorded = app.projects.get(dir).checkpoints.latest(runId)!;
    expect(() => readRunCheckpoint(recorded.path, recorded.sha256)).toThrow(/does not match the SHA-256 recorded when it was written/);
    expect(() => app.runs.resume(dir, runId)).toThrow(
      new RegExp(`run ${runId} cannot be resumed: checkpoint runs/${runId}/ckpt-s2-\\d+\\.safetensors of run ${runId} \\(stage 2, step \\d+\\): its content does not match.*no earlier checkpoint of this run is intact.*attune resume ${runId} --restart-stage`),
    );
    expect(app.runs.list(dir).find((r) => r.id === runId)?.status).toBe('paused');
    expect(app.runs.get(dir, runId).checkpoints).toHaveLength(2); // nothing was touched
    const detail = await resumeToEnd(dir, { restartStage: true });
    expect(runLog(dir)).toContain('restarting the run from its first stage, as asked');
    expect(detail.stages.every((s) => s.status === 'completed')).toBe(true);
    for (const c of cks) expect(existsSync(`${c.path}.damaged`)).toBe(true);
  }, 600_000);
});
