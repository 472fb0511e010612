/**
 * The setup wizard in Chromium against `attune serve`, walked with a newcomer's mistakes: an
 * empty folder, an unlabeled folder typed but not added, shares over 100 %, 10 labels per class
 * with the default batch, a big backbone without weights, an estimate of a recipe that cannot
 * run. Each message is asserted at the step where it happens, and the steps' errors are
 * screenshotted into docs/screenshots/. Then the Data view: health per tab, removing a dataset.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openStudio, type Studio } from './harness';
import { writeFashionFolder } from './fashion-folder';

const shots = resolve(__dirname, '..', '..', 'docs', 'screenshots');
let studio: Studio;
let labeled: string;
let unlabeled: string;
let empty: string;

beforeAll(async () => {
  studio = await openStudio();
  labeled = join(studio.home, 'images', 'shoes');
  unlabeled = join(studio.home, 'images', 'more-shoes');
  empty = join(studio.home, 'images', 'empty');
  await writeFashionFolder(labeled, [5, 7], 20);
  await writeFashionFolder(unlabeled, [9], 6);
  mkdirSync(empty, { recursive: true });
  mkdirSync(shots, { recursive: true });
});
afterAll(async () => {
  await studio?.close();
});

async function shot(name: string) {
  await studio.page.evaluate('window.scrollTo(0, 0)');
  await studio.page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

const text = (selector: string) => studio.page.locator(selector).textContent().then((t) => t ?? '');

describe('the setup wizard checks each step', { timeout: 300_000 }, () => {
  it('refuses an empty folder at the data step', async () => {
    const { page } = studio;
    await page.goto(studio.url);
    await page.getByRole('heading', { name: 'Welcome to Attune' }).waitFor({ timeout: 60_000 });
    await page.locator('[data-test=create-project] input[name=name]').fill('Wizard');
    await page.locator('[data-test=create-project] input[name=folder]').fill(join(studio.home, 'projects', 'wizard'));
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.locator('[data-test=step-data]').waitFor({ timeout: 60_000 });
    await page.locator('input[name=labeled-path]').fill(empty);
    await page.locator('[data-test=scan]').click();
    await page.locator('[data-test=datasets-error]', { hasText: `No images found in ${empty}` }).waitFor({ timeout: 120_000 });
    expect(await page.locator('[data-test=next-splits]').isDisabled()).toBe(true);
    expect(await page.locator('[data-test=health-report]').count()).toBe(0);
    expect(await page.getByRole('button', { name: /Splits & labels$/ }).isDisabled()).toBe(true);
    await shot('wizard-empty-folder');
  });

  it('browses folders on the server and scans an unlabeled folder that was typed but not added', async () => {
    const { page } = studio;
    await page.locator('input[name=labeled-path]').fill(join(studio.home, 'images'));
    await page.locator('[data-test="browse-labeled-path"]').click();
    const browser = page.locator('[data-test="browser-labeled-path"]');
    await browser.getByRole('button', { name: 'shoes/', exact: true }).click();
    await browser.locator('.here', { hasText: labeled }).waitFor();
    await browser.locator('[data-test=use-folder]').click();
    expect(await page.locator('input[name=labeled-path]').inputValue()).toBe(labeled);
    await page.locator('input[name=unlabeled-path]').fill(unlabeled);
    await page.locator('[data-test=problems-data]', { hasText: 'typed but not added' }).waitFor();
    await page.locator('[data-test=scan]').click();
    await page.locator('[data-test=health-report]').waitFor({ timeout: 120_000 });
    await page.locator('[data-test=scan]:not([disabled])').waitFor({ timeout: 120_000 });
    expect(await text('[data-test=unlabeled-list]')).toContain(unlabeled);
    expect(await page.locator('[data-test=datasets-error]').count()).toBe(0);
    expect(await text('[data-test=health-report]')).toMatch(/46\s*images/);
    await page.locator('[data-test=next-splits]:not([disabled])').click();
  });

  it('gives shares in percent at the splits step and previews the counts', async () => {
    const { page } = studio;
    await page.locator('[data-test=step-splits]').waitFor();
    await page.locator('input[name=val-percent]').fill('60');
    await page.locator('input[name=test-percent]').fill('50');
    const problems = page.locator('[data-test=problems-splits]');
    await problems.waitFor();
    expect(await problems.textContent()).toContain('Validation share must be between 0 % and 50 % (it is 60 %)');
    expect(await page.locator('[data-test=next-backbone]').isDisabled()).toBe(true);
    await shot('wizard-splits');
    await page.locator('input[name=val-percent]').fill('50');
    await problems.filter({ hasText: 'Validation share + test share is 100 %' }).waitFor();
    await page.locator('input[name=val-percent]').fill('10');
    await page.locator('input[name=test-percent]').fill('20');
    await page.locator('select[name=budget]').selectOption('perClass');
    await page.locator('input[name=budget-value]').fill('10');
    const preview = page.locator('[data-test=split-preview]');
    await preview.waitFor();
    // 20 per class: 4 test, 2 validation, 14 training of which 10 keep their label
    expect((await preview.locator('tfoot').textContent())?.replace(/\s+/g, ' ')).toContain('All 2 classes40282048');
    expect(await text('[data-test=budget-note]')).toContain('20 of 28 training images keep their label');
    await shot('wizard-splits-preview');
    await page.locator('[data-test=next-backbone]').click();
  });

  it('warns at the backbone step when a large backbone would start from random weights', async () => {
    const { page } = studio;
    await page.locator('[data-test=step-backbone]').waitFor();
    const archs = await page.locator('select[name=arch] option').allTextContents();
    if (archs.includes('resnet50')) {
      await page.locator('select[name=arch]').selectOption('resnet50');
      const warning = page.locator('[data-test=step-backbone] [data-test=random-init-warning]');
      await warning.waitFor();
      expect(await warning.textContent()).toContain('resnet50 would start from random weights');
      expect(await warning.locator('a').getAttribute('href')).toContain('/models');
      await shot('wizard-random-init');
      await page.locator('select[name=arch]').selectOption('small-resnet');
    }
    expect(await page.locator('[data-test=random-init-warning]').count()).toBe(0);
    await page.locator('[data-test=next-recipe]').click();
  });

  it('fits the batch to the labels at the recipe step, and the estimate says why it cannot run', async () => {
    const { page } = studio;
    await page.locator('[data-test=step-recipe]').waitFor();
    // 20 labeled training images + 6 unlabeled: the default batch of 32 does not fit
    expect(await text('[data-test=batch-note]')).toContain('Batch size set to 16 to fit the 26 labeled training and unlabeled images');
    expect(await page.locator('input[name=batch-size]').inputValue()).toBe('16');
    const card = page.locator('[data-test=recipe-hpt]');
    expect(await card.textContent()).toContain('200 steps');
    expect(await card.textContent()).not.toContain('5000');
    expect(await card.textContent()).toContain('Hierarchical PreTraining (Reed et al.)');
    expect(await text('[data-test=recipe-uft]')).toContain('Needs a source image folder');
    expect(await text('[data-test=seeds-words]')).toContain('Seed 0: one run');
    await page.locator('input[name=seeds]').fill('0, 1, 2');
    await page.locator('[data-test=seeds-words]', { hasText: '3 seeds (0, 1, 2)' }).waitFor();
    await page.locator('input[name=batch-size]').fill('64');
    const problems = page.locator('[data-test=problems-recipe]');
    await problems.waitFor();
    expect(await problems.textContent()).toContain('Batch size 64 is larger than the 26 labeled training and unlabeled images');
    expect(await page.locator('[data-test=next-review]').isDisabled()).toBe(true);
    await page.locator('[data-test=estimate-button]').click();
    await page.locator('[data-test=problems-estimate]', { hasText: 'Batch size 64' }).waitFor();
    await shot('wizard-batch');
    await page.locator('[data-test=use-fitting-batch]').click();
    expect(await page.locator('input[name=batch-size]').inputValue()).toBe('16');
    expect(await page.locator('[data-test=problems-recipe]').count()).toBe(0);
    await page.locator('input[name=seeds]').fill('0');
    await page.locator('input[name=pretrain-steps]').fill('4');
    await page.locator('input[name=finetune-epochs]').fill('1');
    await page.locator('[data-test=next-review]').click();
  });

  it('reviews the run in words, not JSON', async () => {
    const { page } = studio;
    const summary = page.locator('[data-test=review-summary]');
    await summary.waitFor();
    const words = (await summary.textContent()) ?? '';
    expect(words).toContain('Validation share10 %');
    expect(words).toContain('10 per class');
    expect(words).toContain(`${unlabeled} · 6 images`);
    expect(words).toContain('MoCo v2 self-supervised on your images, 4 steps');
    expect(words).not.toContain('{');
    expect(await page.locator('[data-test=step-review] pre').isVisible()).toBe(false);
    await page.locator('[data-test=step-review] .stat-box').first().waitFor({ timeout: 150_000 });
    expect(await page.locator('[data-test=problems-review]').count()).toBe(0);
    await shot('wizard-review');
  });

  it('shows each dataset\'s own health in the Data view and removes a dataset without touching its files', async () => {
    const { page } = studio;
    await page.getByRole('link', { name: 'Data' }).click();
    const tabs = page.getByRole('tab');
    await tabs.nth(1).waitFor({ timeout: 60_000 }).catch(async (e) => {
      await studio.screenshot('failed-wizard-data-view');
      throw e;
    });
    const card = page.locator('[data-test=dataset-health]');
    await card.filter({ hasText: 'Health of shoes' }).waitFor({ timeout: 60_000 });
    expect(await card.textContent()).toMatch(/2\s*classes/);
    expect(await card.textContent()).toMatch(/40\s*images/);
    // Fashion-MNIST's 28 px images are under the 32 px mark: a finding, so no green "healthy" badge
    expect(await card.textContent()).toContain('40 images smaller than 32 px');
    expect(await card.locator('[data-test=healthy]').count()).toBe(0);
    expect(await card.textContent()).toContain('needs a look');
    await shot('data-health-per-dataset');
    await tabs.filter({ hasText: 'more-shoes' }).click();
    await card.filter({ hasText: 'Health of more-shoes' }).waitFor({ timeout: 60_000 });
    expect(await card.textContent()).toMatch(/6\s*images/);
    await page.locator('[data-test=remove-dataset]').click();
    await page.locator('[data-test=confirm-remove]').click();
    await expect.poll(() => tabs.count(), { timeout: 60_000 }).toBe(1);
    expect(existsSync(join(unlabeled, 'boot'))).toBe(true);
    await card.filter({ hasText: 'Health of shoes' }).waitFor({ timeout: 60_000 });
  });
});
