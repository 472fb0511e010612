/**
 * End-to-end harness: starts `attune serve` as a real subprocess, drives Debian's Chromium with
 * playwright-core, and records every request the page makes so a test can prove nothing left
 * loopback.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

const root = resolve(__dirname, '..', '..');
export const screenshotDir = join(root, 'test-results', 'screenshots');

/** Chromium's path: CHROMIUM_PATH, else Debian's. */
export function chromiumPath(): string {
  const p = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(p)) throw new Error(`Chromium not found at ${p}: apt-get install chromium (or set CHROMIUM_PATH)`);
  return p;
}

export interface Studio {
  url: string;
  home: string;
  browser: Browser;
  page: Page;
  /** every URL the page requested */
  requests: string[];
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

/** Starts a server with a fresh user-data folder and opens its URL in headless Chromium. */
export async function openStudio(): Promise<Studio> {
  const home = mkdtempSync(join(tmpdir(), 'attune-e2e-'));
  const child: ChildProcess = spawn(process.execPath, [join(root, 'bin', 'attune.mjs'), 'serve', '--port', '0', '--rebuild'], {
    env: { ...process.env, ATTUNE_HOME: join(home, 'user-data') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const url = await new Promise<string>((resolveUrl, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`attune serve printed no URL in 120 s. stderr:\n${stderr}`)), 120_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = out.match(/(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`attune serve exited with ${code}. stderr:\n${stderr}`)));
  });
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  mkdirSync(screenshotDir, { recursive: true });
  return {
    url,
    home,
    browser,
    page,
    requests,
    screenshot: async (name) => {
      // from the top, so the sticky sidebar sits where a person sees it
      await page.evaluate('window.scrollTo(0, 0)');
      await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
    },
    async close() {
      await browser.close();
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** True when every recorded request stayed on loopback (or was a data:/blob: URL). */
export function offLoopback(requests: string[]): string[] {
  return requests.filter((u) => {
    if (u.startsWith('data:') || u.startsWith('blob:')) return false;
    const host = new URL(u).hostname;
    return !['127.0.0.1', 'localhost', '[::1]'].includes(host);
  });
}
