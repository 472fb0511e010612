import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { offLoopback, openStudio, type Studio } from './harness';

let studio: Studio;
beforeAll(async () => {
  studio = await openStudio();
});
afterAll(async () => {
  await studio?.close();
});

describe('studio in Chromium against attune serve', () => {
  it('refuses the page without the token', async () => {
    const res = await fetch(studio.url.replace(/\?token=.*/, ''));
    expect(res.status).toBe(401);
  });

  it('creates a project, survives a reload, and lists it (a real SQLite file underneath)', async () => {
    const { page } = studio;
    await page.goto(studio.url);
    await page.getByRole('heading', { name: 'Welcome to Attune' }).waitFor();
    await studio.screenshot('start-empty');
    const folder = join(studio.home, 'projects', 'Leaf disease');
    await page.locator('[data-test=create-project] input[name=name]').fill('Leaf disease');
    await page.locator('[data-test=create-project] input[name=folder]').fill(folder);
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('heading', { name: 'Leaf disease' }).waitFor();
    expect(existsSync(join(folder, 'attune.sqlite'))).toBe(true);
    const db = new Database(join(folder, 'attune.sqlite'), { readonly: true });
    expect(db.prepare('SELECT name FROM project').get()).toEqual({ name: 'Leaf disease' });
    db.close();

    await page.reload();
    await page.getByRole('link', { name: 'Start' }).click();
    const recent = page.locator('[data-test=recent-projects]');
    await recent.getByRole('button', { name: 'Leaf disease' }).waitFor();
    await expect(recent.getByText(folder).count()).resolves.toBe(1);
    await studio.screenshot('start-with-project');
  });

  it('shows a clear error when opening a folder that is not a project', async () => {
    const { page } = studio;
    await page.locator('[data-test=open-project] input[name=open-folder]').fill(studio.home);
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('is not an Attune project');
  });

  it('shows the doctor report in the System view', async () => {
    const { page } = studio;
    await page.getByRole('link', { name: 'System' }).click();
    await page.locator('[data-test=active-backend]').waitFor({ timeout: 60_000 });
    expect(await page.locator('[data-test=active-backend]').textContent()).toMatch(/wasm|tensorflow/);
    await studio.screenshot('system');
  });

  it('made no request that left loopback', () => {
    expect(studio.requests.length).toBeGreaterThan(3);
    expect(offLoopback(studio.requests)).toEqual([]);
  });
});
