import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDispatcher } from '../../src/main/dispatch';
import { createHandlers } from '../../src/main/handlers';
import { ProjectService } from '../../src/main/services/projects';
import { EngineHost } from '../../src/main/engine-host';
import { DatasetService } from '../../src/main/services/datasets';
import { RunService } from '../../src/main/services/runs/service';

function dispatcher() {
  const home = mkdtempSync(join(tmpdir(), 'attune-home-'));
  const projects = new ProjectService(home);
  const engine = new EngineHost();
  const handlers = createHandlers({ mode: 'cli', userDataDir: home, engine, projects, datasets: new DatasetService(engine), runs: new RunService(engine, projects, () => {}), emit: () => {} });
  return { home, dispatch: createDispatcher(handlers) };
}

describe('dispatch', () => {
  it('rejects unknown methods and invalid payloads as data, not crashes', async () => {
    const { dispatch } = dispatcher();
    expect(await dispatch('projects.delete-everything', {})).toEqual({ ok: false, error: { code: 'unknown_method', message: expect.any(String) } });
    const bad = await dispatch('projects.create', { name: 42 });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error.code).toBe('validation');
      expect(bad.error.message).toMatch(/name/);
      expect(bad.error.message).toMatch(/folder/);
    }
    const extra = await dispatch('projects.open', { folder: '/x', evil: true });
    expect(extra.ok).toBe(false);
  });

  it('creates, lists and reopens a project through the contract', async () => {
    const { home, dispatch } = dispatcher();
    const folder = join(home, 'p1');
    const created = await dispatch('projects.create', { name: 'P1', folder });
    expect(created.ok).toBe(true);
    const recent = await dispatch('projects.recent', {});
    expect(recent).toMatchObject({ ok: true, value: [{ name: 'P1', folder, available: true }] });
    const notProject = await dispatch('projects.open', { folder: home });
    expect(notProject).toMatchObject({ ok: false, error: { code: 'not_a_project' } });
  });
});
