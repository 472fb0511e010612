/**
 * The run monitor as a new user meets it, in Chromium against `attune serve`: a short HPT run
 * of the bundled example's data, set up in the wizard. While it trains, the step axis starts at the run's first
 * steps (not after the decoded images), the running stage's time ticks, the sidebar says
 * Training…, and no tile or stage card is cut off or wraps; once done, the run shows its own last
 * stage, step and peak memory and the log has its stage changes and shows its end; the comparison
 * fits a 1280 px window. Screenshots: runs-live, runs-done, compare-1280 (test-results/screenshots;
 * the copies in docs/screenshots come from this test).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offLoopback, openStudio, type Studio } from './harness';

let studio: Studio;

beforeAll(async () => {
  studio = await openStudio();
});
afterAll(async () => {
  await studio?.close();
});

/** Elements of the monitor whose text is wider than their box (cut off or clipped). */
async function clipped(): Promise<string[]> {
  // a string expression: the test is type-checked without the DOM library
  return studio.page.evaluate(`(() => {
    const out = [];
    for (const el of document.querySelectorAll('[data-test=monitor] .progress-row > div, [data-test=monitor] .progress-row .v, [data-test=monitor] .stage, [data-test=monitor] .stage-top, [data-test=monitor] .stage .small')) {
      if (el.scrollWidth > el.clientWidth + 1) out.push(el.className + ': ' + (el.textContent || '').trim());
    }
    return out;
  })()`) as Promise<string[]>;
}

/** The monitor's tiles that sit below the first row, or whose value wraps onto a second line (at 1280 px all fit one row). */
async function wrapped(): Promise<string[]> {
  return studio.page.evaluate(`(() => {
    const out = [];
    const tiles = [...document.querySelectorAll('[data-test=monitor] .progress-row > div')];
    const top = tiles.length ? tiles[0].getBoundingClientRect().top : 0;
    for (const t of tiles) {
      const text = (t.textContent || '').trim();
      if (Math.abs(t.getBoundingClientRect().top - top) > 1) out.push('second row: ' + text);
      const v = t.querySelector('.v');
      if (v) {
        const r = document.createRange();
        r.selectNodeContents(v);
        const lines = new Set([...r.getClientRects()].map((x) => Math.round(x.top)));
        if (lines.size > 1) out.push('wraps: ' + text);
      }
    }
    return out;
  })()`) as Promise<string[]>;
}

// the example trains for several minutes; CI may run other suites on the same cores
describe('the run monitor on the example', { timeout: 1_500_000 }, () => {
  it('trains the example with live, honest tiles, ticking stage time and a step axis from 0', async () => {
    const { page } = studio;
    await page.goto(studio.url);
    await page.locator('[data-test=open-example]').click();
    await page.getByRole('heading', { name: 'Data' }).waitFor({ timeout: 120_000 });
    // a short HPT run of the example's data through the wizard (the example recipe itself takes
    // many minutes on a loaded CPU)
    await page.getByRole('link', { name: 'Set up another run' }).click();
    await page.locator('[data-test=step-splits]').waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: /Recipe$/ }).click();
    await page.locator('[data-test=recipe-hpt]').click();
    await page.locator('input[name=pretrain-steps]').fill('60');
    await page.locator('input[name=finetune-epochs]').fill('2');
    await page.locator('input[name=batch-size]').fill('16');
    await page.locator('input[name=image-size]').fill('28');
    await page.locator('input[name=seeds]').fill('0');
    await page.getByRole('button', { name: /Review$/ }).click();
    await page.locator('input[name=run-name]').fill('Short HPT of the example');
    await page.locator('[data-test=step-review] .stat-box').first().waitFor({ timeout: 150_000 });
    await page.locator('[data-test=start-run]').click();
    await page.locator('[data-test=monitor]').waitFor({ timeout: 60_000 });
    await page.locator('[data-test=engine-status]', { hasText: 'Training…' }).waitFor({ timeout: 120_000 });
    // the first self-supervised points: the axis counts the run's steps, not the decoded images
    const loss = page.locator('[data-test=chart-loss] [data-test=chart]');
    await expect.poll(async () => Number(await loss.getAttribute('data-points')), { timeout: 600_000, interval: 500 }).toBeGreaterThan(2);
    expect(Number(await loss.getAttribute('data-x-min'))).toBeLessThan(60);
    // the running stage's time goes on between reads of the run
    const time = page.locator('[data-test=monitor] .stage.running [data-test^=stage-time-]');
    await time.waitFor({ timeout: 60_000 });
    const first = await time.textContent();
    await expect.poll(() => time.textContent(), { timeout: 60_000, interval: 500 }).not.toBe(first);
    expect(await page.locator('[data-test=chart-loss] [data-test=chart-help]').textContent()).toMatch(/MoCo/);
    expect(await clipped()).toEqual([]);
    await expect.poll(async () => (await page.locator('[data-test=run-eta]').textContent())?.trim(), { timeout: 120_000, interval: 500 }).not.toBe('—');
    expect(await wrapped()).toEqual([]);
    await studio.screenshot('runs-live');
  }, 900_000);

  it('shows the finished run\'s own last stage, step and peak memory, and a log of its stages and end', async () => {
    const { page } = studio;
    await page.locator('[data-test=run-status]', { hasText: 'completed' }).waitFor({ timeout: 1_200_000 });
    await page.locator('[data-test=run-result]').waitFor({ timeout: 60_000 });
    await expect.poll(() => page.locator('[data-test=tile-stage]').textContent(), { timeout: 30_000 }).toContain('evaluate');
    expect(await page.locator('[data-test=tile-step]').textContent()).toMatch(/Step \(finetune\)\s*\d+ \/ \d+/);
    expect(await page.locator('[data-test=tile-memory]').textContent()).toMatch(/Peak memory\s*\d+ MB/);
    const log = (await page.locator('[data-test=log]').textContent()) ?? '';
    expect(log).toMatch(/stage pretrain started \(\d+ steps\)/);
    expect(log).toMatch(/stage finetune completed/);
    expect(log).toMatch(/run completed/);
    // the log box shows its end (the run's last lines), not its first lines
    await expect.poll(() => page.evaluate(`(() => { const l = document.querySelector('[data-test=log]'); return l.scrollHeight - l.scrollTop - l.clientHeight; })()`), { timeout: 10_000 }).toBeLessThanOrEqual(4);
    expect(await page.locator('[data-test=engine-status]').textContent()).not.toContain('Training');
    expect(await page.locator('[data-test=run-result] [data-test=accuracy]').textContent()).toMatch(/^\d+\.\d%$/);
    expect(await clipped()).toEqual([]);
    expect(await wrapped()).toEqual([]);
    expect(await page.locator('[data-test=checkpoint-count]').textContent()).toMatch(/^\d+ checkpoints?$/);
    await studio.screenshot('runs-done');
  }, 1_300_000);

  it('compares within a 1280 px window, in the same number format as the Runs view', async () => {
    const { page } = studio;
    await page.getByRole('link', { name: 'Compare' }).click();
    const table = page.locator('[data-test=compare-table]');
    await table.waitFor({ timeout: 120_000 }).catch(async (e) => {
      await studio.screenshot('failed-compare-1280');
      throw e;
    });
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);
    const cells = await table.locator('tbody tr').first().locator('td.num').allTextContents();
    expect(cells[0]).toMatch(/^\d+\.\d{3}/); // loss
    expect(cells[3]).toMatch(/^\d+\.\d%/); // accuracy
    await studio.screenshot('compare-1280');
  }, 300_000);

  it('made no request that left loopback', () => {
    expect(offLoopback(studio.requests)).toEqual([]);
  });
});
