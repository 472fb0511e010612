/**
 * A web page from another loopback port, holding the studio's cookie, must not be able to use
 * `attune serve` (issue 16): its WebSocket and its requests get 403, as does a page reached
 * through a rebound DNS name. The real studio in the same browser keeps working.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { chromiumPath, offLoopback, openStudio, type Studio } from './harness';

const REBOUND = 'rebind.attune.test';
let studio: Studio;
let browser: Browser;
let context: BrowserContext;
let evil: Server;
let evilPort: number;
let studioPort: number;

beforeAll(async () => {
  studio = await openStudio();
  studioPort = Number(new URL(studio.url).port);
  // the attacker's page: any other local web server (a dev server, a notebook, a test page)
  evil = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><title>another local page</title><p>hello</p>');
  });
  await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
  evilPort = (evil.address() as AddressInfo).port;
  // the harness's flags, plus a resolver rule that plays a DNS rebinding attack
  browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--host-resolver-rules=MAP ${REBOUND} 127.0.0.1`],
  });
  context = await browser.newContext();
});
afterAll(async () => {
  await browser?.close();
  await new Promise((r) => (evil ? evil.close(r) : r(undefined)));
  await studio?.close();
});

/** Run in the attacker's page: tries the studio's WebSocket and reports what happened. */
async function tryWebSocket(url: string): Promise<string> {
  return new Promise((done) => {
    const ws = new WebSocket(url);
    const timer = setTimeout(() => done('timeout'), 20_000);
    const end = (s: string) => (clearTimeout(timer), done(s));
    ws.onopen = () => ws.send(JSON.stringify({ id: 1, method: 'projects.recent', input: {} }));
    ws.onmessage = (e) => end(`answered: ${String(e.data).slice(0, 200)}`);
    ws.onerror = () => end('refused');
    ws.onclose = () => end('refused');
  });
}

describe('attune serve against pages of other origins', () => {
  it('the real studio loads and sets its cookie', async () => {
    const page = await context.newPage();
    await page.goto(studio.url);
    await page.getByRole('heading', { name: 'Welcome to Attune' }).waitFor();
    const cookies = await context.cookies(`http://127.0.0.1:${studioPort}`);
    expect(cookies.map((c) => c.name)).toContain('attune_token');
    await page.close();
  });

  it('a page on another loopback port cannot open the WebSocket or send requests, even with the cookie', async () => {
    const page = await context.newPage();
    const statuses: string[] = [];
    page.on('response', (r) => {
      if (new URL(r.url()).port === String(studioPort)) statuses.push(`${r.request().method()} ${r.status()}`);
    });
    await page.goto(`http://127.0.0.1:${evilPort}/`);
    const ws = await page.evaluate(tryWebSocket, `ws://127.0.0.1:${studioPort}/ws`);
    expect(ws).toBe('refused');
    // requests the browser sends with the cookie; the page cannot read them, but they reach the server
    const sent = await page.evaluate(async (port) => {
      const base = `http://127.0.0.1:${port}`;
      const out: string[] = [];
      for (const init of [
        { method: 'POST', mode: 'no-cors', credentials: 'include', body: '{"method":"projects.create"}' },
        { method: 'GET', mode: 'no-cors', credentials: 'include' },
        { method: 'GET', mode: 'cors', credentials: 'include' },
      ] as RequestInit[]) {
        try {
          const res = await fetch(`${base}/api/health`, init);
          out.push(`${init.method} ${init.mode}: ${res.type} ${res.status}`);
        } catch (e) {
          out.push(`${init.method} ${init.mode}: ${(e as Error).name}`);
        }
      }
      return out;
    }, studioPort);
    expect(sent).toHaveLength(3);
    // what the server answered, as the browser saw it: every request refused (Chromium reports
    // no response for the CORS-mode one, whose answer it withholds from the page)
    await expect.poll(() => statuses.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    expect(statuses).toContain('POST 403');
    expect(statuses).toContain('GET 403');
    expect(statuses.filter((s) => !s.endsWith(' 403'))).toEqual([]);
    await page.close();
  });

  it('a page reached through a rebound DNS name gets 403, with the token in its URL too', async () => {
    const page = await context.newPage();
    const res = await page.goto(studio.url.replace('127.0.0.1', REBOUND));
    expect(res?.status()).toBe(403);
    expect(await page.textContent('body')).toContain('answers only at');
    const ws = await page.evaluate(tryWebSocket, `ws://${REBOUND}:${studioPort}/ws`);
    expect(ws).toBe('refused');
    await page.close();
  });

  it('the real studio still works afterwards: its WebSocket reaches the engine, nothing leaves loopback', async () => {
    const page = await context.newPage();
    const requests: string[] = [];
    const missing: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('response', (r) => void (r.status() === 404 && missing.push(r.url())));
    await page.goto(studio.url);
    await page.getByRole('heading', { name: 'Welcome to Attune' }).waitFor();
    await page.getByRole('link', { name: 'System' }).click();
    await page.locator('[data-test=active-backend]').waitFor({ timeout: 60_000 });
    expect(await page.locator('[data-test=active-backend]').textContent()).toMatch(/wasm|tensorflow/);
    expect(offLoopback(requests)).toEqual([]);
    // no 404 in the console (the favicon, where Chromium asks for it, is answered)
    expect(missing).toEqual([]);
    await page.close();
  });
});
