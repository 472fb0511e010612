/**
 * The studio end to end in Chromium against `attune serve`: a project from a folder of real
 * Fashion-MNIST PNGs, the health report, a tiny recipe trained while its curves update, a
 * second run, the comparison and a confusion-matrix cell, the example project, and every view
 * screenshotted in both themes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { offLoopback, openStudio, type Studio } from './harness';
import { writeFashionFolder } from './fashion-folder';

let studio: Studio;
let images: string;

beforeAll(async () => {
  studio = await openStudio();
  images = join(studio.home, 'images', 'shoes');
  await writeFashionFolder(images, [5, 7, 9], 30, { corrupt: true, duplicate: true });
});
afterAll(async () => {
  await studio?.close();
});

/** Chooses the recipe and a tiny training length in the wizard, then starts it from the Review step. */
/** Fails when the page is wider than the 1280 px window (a layout that breaks at 1280×800). */
async function expectNoHorizontalOverflow() {
  const width = await studio.page.evaluate('document.documentElement.scrollWidth');
  expect(width).toBeLessThanOrEqual(1280);
}

async function startTinyRun(recipe: string, name: string, shots = false, steps = 4, seeds = '0') {
  const { page } = studio;
  await page.getByRole('button', { name: /Recipe$/ }).click();
  // keyboard reachable: focus the recipe card and press Enter
  await page.locator(`[data-test=recipe-${recipe}]`).focus();
  await page.keyboard.press('Enter');
  expect(await page.locator(`[data-test=recipe-${recipe}]`).getAttribute('aria-pressed')).toBe('true');
  await page.locator('input[name=pretrain-steps]').fill(String(steps));
  await page.locator('input[name=finetune-epochs]').fill('1');
  await page.locator('input[name=batch-size]').fill('16');
  await page.locator('input[name=image-size]').fill('28');
  await page.locator('input[name=seeds]').fill(seeds);
  if (shots) await studio.screenshot('setup-recipe');
  await page.getByRole('button', { name: /Review$/ }).click();
  await page.locator('input[name=run-name]').fill(name);
  await page.locator('[data-test=step-review] .stat-box').first().waitFor({ timeout: 150_000 }).catch(async (e) => {
    await studio.screenshot(`failed-review-${recipe}`);
    throw e;
  });
  if (shots) await studio.screenshot('setup-review');
  await page.locator('[data-test=start-run]').click();
  await page.locator('[data-test=monitor]').waitFor();
}

async function waitForStatus(status: string, timeout = 180_000) {
  await studio.page.locator('[data-test=run-status]', { hasText: status }).waitFor({ timeout });
}

// generous limits: CI may run other suites (and their engines) on the same two cores
describe('the studio, end to end', { timeout: 300_000 }, () => {
  it('creates a project from a folder of PNGs and shows the health report', async () => {
    const { page } = studio;
    await page.goto(studio.url);
    await page.getByRole('heading', { name: 'Welcome to Attune' }).waitFor();
    await page.locator('[data-test=create-project] input[name=name]').fill('Shoes');
    await page.locator('[data-test=create-project] input[name=folder]').fill(join(studio.home, 'projects', 'shoes'));
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('heading', { name: 'Shoes' }).waitFor();
    await page.locator('input[name=labeled-path]').fill(join(studio.home, 'no-such-folder'));
    await page.locator('[data-test=scan]').click();
    await page.getByRole('alert').filter({ hasText: 'does not exist' }).waitFor();
    await page.locator('input[name=labeled-path]').fill(images);
    await page.locator('[data-test=scan]').click();
    const report = page.locator('[data-test=health-report]');
    await report.waitFor({ timeout: 120_000 });
    expect(await page.locator('[data-test=problems]').textContent()).toContain('broken.png');
    expect(await page.locator('[data-test=duplicates]').textContent()).toContain('copy-of-');
    expect(await report.textContent()).toMatch(/91\s*images/);
    await studio.screenshot('setup-health');
  });

  it('trains a tiny recipe while its curves update, and shows the result', async () => {
    const { page } = studio;
    await startTinyRun('hpt', 'tiny hpt', true);
    await studio.screenshot('runs-starting');
    const loss = page.locator('[data-test=chart-loss] [data-test=chart]');
    await expect.poll(async () => Number(await loss.getAttribute('data-points')), { timeout: 180_000, interval: 250 }).toBeGreaterThan(0);
    const first = Number(await loss.getAttribute('data-points'));
    await studio.screenshot('runs-live');
    await waitForStatus('completed');
    await expect.poll(async () => Number(await loss.getAttribute('data-points')), { timeout: 10_000 }).toBeGreaterThan(first);
    await page.locator('[data-test=run-result]').waitFor();
    expect(await page.locator('[data-test=run-result] [data-test=accuracy]').textContent()).toMatch(/%/);
    await expectNoHorizontalOverflow();
    await studio.screenshot('runs-completed');
  }, 300_000);

  it('runs a second recipe and compares the two, opening a confusion-matrix cell', async () => {
    const { page } = studio;
    await page.getByRole('link', { name: 'New run' }).click();
    await startTinyRun('scratch', 'tiny scratch', false, 4, '0, 1');
    // two seeds: a group of two runs, queued one after the other
    await expect.poll(() => page.locator('[data-test=run-list] .status.completed').count(), { timeout: 240_000, interval: 500 }).toBe(3);
    await page.getByRole('link', { name: 'Compare' }).click();
    const table = page.locator('[data-test=compare-table]');
    await table.waitFor({ timeout: 60_000 });
    // two recipes and the pixels-logreg floor of their labels
    await expect.poll(() => table.locator('tbody tr').count()).toBe(3);
    expect(await table.locator('tbody tr', { hasText: 'pixels-logreg' }).count()).toBe(1);
    expect(await table.locator('tbody tr', { hasText: 'tiny scratch' }).textContent()).toContain('±');
    expect(await table.locator('td.best').count()).toBeGreaterThan(0);
    await page.locator('[data-test=cm-cell-0-0]').click();
    const cell = page.locator('[data-test=cell-images]');
    await cell.waitFor();
    await expect.poll(() => cell.locator('img').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    const download = page.waitForEvent('download');
    await page.locator('[data-test=export-csv]').click();
    const csv = await download;
    expect(csv.suggestedFilename()).toBe('attune-comparison.csv');
    expect(readFileSync((await csv.path())!, 'utf8')).toMatch(/^model,recipe,backbone,seeds,loss_mean/);
    const htmlDownload = page.waitForEvent('download');
    await page.locator('[data-test=export-html]').click();
    const html = readFileSync((await (await htmlDownload).path())!, 'utf8');
    expect(html).toContain('tiny hpt');
    expect(html).toContain('<td class="best">');
    expect(html).toMatch(/<img src="data:image\/png;base64,/);
    await expectNoHorizontalOverflow();
    await studio.screenshot('compare');
  }, 300_000);

  it('pauses a run and resumes it to completion', async () => {
    const { page } = studio;
    await page.getByRole('link', { name: 'Runs' }).click();
    await page.getByRole('link', { name: 'New run' }).click();
    await startTinyRun('hpt', 'paused and resumed', false, 40);
    await page.locator('[data-test=run-status]', { hasText: 'running' }).waitFor({ timeout: 120_000 });
    await page.getByRole('button', { name: 'Pause' }).click();
    await waitForStatus('paused', 60_000);
    await studio.screenshot('runs-paused');
    await page.getByRole('button', { name: 'Resume' }).click();
    await waitForStatus('completed');
    expect(await page.locator('[data-test=stage-pretrain]').getAttribute('class')).toContain('completed');
  }, 300_000);

  it('shows the data view with samples and an augmentation preview that regenerates', async () => {
    const { page } = studio;
    await page.getByRole('link', { name: 'Data' }).click();
    await page.locator('[data-test=histogram]').waitFor();
    const preview = page.locator('[data-test=augment-preview] img');
    await expect.poll(() => preview.count(), { timeout: 120_000 }).toBeGreaterThan(0);
    const before = await preview.nth(1).getAttribute('src');
    await page.locator('[data-test=regenerate]').click();
    await expect.poll(async () => preview.nth(1).getAttribute('src'), { timeout: 60_000 }).not.toBe(before);
    await expectNoHorizontalOverflow();
    await studio.screenshot('data');
  });

  it('shows models and the system view, in the light theme too', async () => {
    const { page } = studio;
    await page.getByRole('link', { name: 'Models' }).click();
    await page.locator('[data-test=catalog] tbody tr').first().waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Export classifier' }).first().click();
    const exported = page.locator('[data-test=exported]');
    await exported.waitFor({ timeout: 120_000 });
    const dir = (await exported.locator('.mono').textContent())!.trim();
    expect(existsSync(join(dir, 'model.safetensors'))).toBe(true);
    await expectNoHorizontalOverflow();
    await studio.screenshot('models');
    await page.getByRole('button', { name: 'Light theme' }).click();
    await page.getByRole('link', { name: 'Runs' }).click();
    await page.locator('[data-test=monitor]').waitFor();
    await studio.screenshot('runs-light');
    await page.getByRole('link', { name: 'System' }).click();
    await page.locator('[data-test=active-backend]').waitFor({ timeout: 120_000 });
    await studio.screenshot('system-light');
  });

  it('opens the example project and lands on its Data view', async () => {
    const { page } = studio;
    if (!page.url().startsWith('http')) await page.goto(studio.url);
    await page.getByRole('link', { name: 'Start' }).click();
    await page.locator('[data-test=open-example]').click();
    await page.getByRole('heading', { name: 'Data' }).waitFor({ timeout: 120_000 });
    await expect.poll(() => page.locator('[role=tab]').count(), { timeout: 60_000 }).toBe(3);
    await page.locator('[data-test=histogram]').waitFor();
    expect(await page.locator('[data-test=histogram]').textContent()).toContain('Sneaker');
    await expect.poll(() => page.locator('[data-test=augment-preview] img').count(), { timeout: 120_000 }).toBeGreaterThan(0);
    await studio.screenshot('example-data');
  });

  it('queues the example recipe from its Data view and cancels it', async () => {
    const { page } = studio;
    await page.locator('[data-test=train-example]').click();
    await page.locator('[data-test=monitor]').waitFor({ timeout: 60_000 });
    expect(await page.locator('[data-test=monitor] .run-title').textContent()).toContain('Example HPT');
    await page.locator('[data-test=stage-source]').waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await waitForStatus('cancelled', 60_000);
  });

  it('sets up another run of the example (IDX data) through the wizard, up to a valid estimate', async () => {
    const { page } = studio;
    await page.getByRole('link', { name: 'Data' }).click();
    await page.getByRole('link', { name: 'Set up another run' }).click();
    await page.locator('[data-test=step-splits]').waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: /Recipe$/ }).click();
    await page.locator('[data-test=recipe-scratch]').click();
    await page.getByRole('button', { name: /Review$/ }).click();
    await page.locator('[data-test=step-review] .stat-box').first().waitFor({ timeout: 120_000 });
    expect(await page.locator('[data-test=step-review] [role=alert]').count()).toBe(0);
    expect(await page.locator('[data-test=start-run]').isEnabled()).toBe(true);
  });

  it('made no request that left loopback', () => {
    expect(offLoopback(studio.requests)).toEqual([]);
  });
});
