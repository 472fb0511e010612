import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startServer, type RunningServer } from '../../src/main/server/serve';
import { createNodeApp, type NodeApp } from '../../src/main/node-app';

let server: RunningServer;
let app: NodeApp;
let home: string;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'attune-serve-'));
  const rendererDir = join(home, 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Attune</title>');
  writeFileSync(join(home, 'secret.txt'), 'outside');
  app = createNodeApp('serve', join(home, 'user-data'));
  server = await startServer({ host: '127.0.0.1', port: 0, rendererDir, dispatch: app.dispatch });
});
afterAll(async () => {
  await server.close();
  await app.shutdown();
});

function wsCall(url: string, method: string, input: unknown, headers: Record<string, string> = {}) {
  return new Promise<unknown>((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => ws.send(JSON.stringify({ id: 1, method, input })));
    ws.on('message', (data) => {
      resolve(JSON.parse(String(data)));
      ws.close();
    });
    ws.on('error', reject);
    ws.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

describe('attune serve', () => {
  it('binds to loopback and prints a URL carrying the token', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{20,}$/);
  });

  it('answers 401 with no data when the token is missing or wrong', async () => {
    const base = `http://127.0.0.1:${server.port}`;
    for (const path of ['/', '/index.html', '/api/health', `/?token=${server.token}x`]) {
      const res = await fetch(base + path);
      expect(res.status, path).toBe(401);
      expect(await res.text()).not.toContain('Attune</title>');
    }
    await expect(wsCall(`ws://127.0.0.1:${server.port}/ws`, 'projects.recent', {})).rejects.toThrow(/401/);
  });

  it('serves the app with the token, sets a cookie, sends a strict CSP, and refuses path traversal', async () => {
    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Attune');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    const withCookie = await fetch(`http://127.0.0.1:${server.port}/api/health`, { headers: { cookie: cookie.split(';')[0] } });
    expect(withCookie.status).toBe(200);
    const traversal = await fetch(`http://127.0.0.1:${server.port}/..%2fsecret.txt?token=${server.token}`);
    expect(await traversal.text()).not.toContain('outside');
  });

  it('carries the contract over the WebSocket, with validation errors as data', async () => {
    const url = `ws://127.0.0.1:${server.port}/ws?token=${server.token}`;
    const folder = join(home, 'proj');
    expect(await wsCall(url, 'projects.create', { name: 'Over WS', folder })).toMatchObject({ id: 1, reply: { ok: true, value: { name: 'Over WS', folder } } });
    expect(await wsCall(url, 'projects.create', { name: '' })).toMatchObject({ reply: { ok: false, error: { code: 'validation' } } });
  });
});
