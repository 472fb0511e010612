import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
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

/** A raw GET with exactly the headers given (fetch would add or refuse some). */
function get(path: string, headers: Record<string, string>, method = 'GET') {
  return new Promise<{ status: number; body: string; type?: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method, headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body, type: res.headers['content-type'] }));
    });
    req.on('error', reject);
    req.end();
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

  it('refuses a foreign Host with 403 even with the token (DNS rebinding), and answers its own names', async () => {
    const path = `/api/health?token=${server.token}`;
    for (const host of ['evil.example:' + server.port, `127.0.0.1:${server.port + 1}`, 'localhost']) {
      const res = await get(path, { host });
      expect(res.status, host).toBe(403);
      expect(res.body, host).toContain('answers only at');
    }
    for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, `LOCALHOST:${server.port}`]) {
      expect((await get(path, { host })).status, host).toBe(200);
    }
  });

  it('refuses requests sent by a page of another origin with 403, and non-GET methods with 405', async () => {
    const path = `/api/health?token=${server.token}`;
    const host = `127.0.0.1:${server.port}`;
    for (const origin of [`http://127.0.0.1:${server.port + 1}`, 'http://evil.example', 'null', `https://127.0.0.1:${server.port}`]) {
      expect((await get(path, { host, origin })).status, origin).toBe(403);
    }
    expect((await get(path, { host, 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'no-cors' })).status).toBe(403);
    expect((await get(path, { host, 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'navigate' })).status).toBe(200);
    expect((await get(path, { host, origin: `http://localhost:${server.port}` })).status).toBe(200);
    expect((await get(path, { host }, 'POST')).status).toBe(405);
    expect((await get(path, { host, origin: 'http://evil.example' }, 'POST')).status).toBe(403);
  });

  it('refuses a WebSocket upgrade from another origin or Host with 403, even with the token', async () => {
    const url = `ws://127.0.0.1:${server.port}/ws?token=${server.token}`;
    await expect(wsCall(url, 'projects.recent', {}, { Origin: `http://127.0.0.1:${server.port + 1}` })).rejects.toThrow(/403/);
    await expect(wsCall(url, 'projects.recent', {}, { Host: `attacker.example:${server.port}` })).rejects.toThrow(/403/);
    await expect(wsCall(url, 'projects.recent', {}, { Origin: `http://127.0.0.1:${server.port}` })).resolves.toMatchObject({ reply: { ok: true } });
  });

  it('answers /favicon.ico with the app icon or 204, never 404', async () => {
    const res = await get('/favicon.ico', { host: `127.0.0.1:${server.port}` });
    expect([200, 204]).toContain(res.status);
    if (res.status === 200) expect(res.type).toMatch(/^image\//);
  });

  it('answers the names given with allowHosts (an SSH tunnel) and still refuses others', async () => {
    const rendererDir = join(home, 'renderer');
    const tunnel = await startServer({ host: '127.0.0.1', port: 0, rendererDir, dispatch: app.dispatch, allowHosts: ['localhost:9000'] });
    try {
      const ask = (host: string) =>
        new Promise<number>((resolve, reject) => {
          const req = request({ host: '127.0.0.1', port: tunnel.port, path: `/api/health?token=${tunnel.token}`, headers: { host } }, (res) => {
            res.resume();
            resolve(res.statusCode!);
          });
          req.on('error', reject);
          req.end();
        });
      expect(await ask('localhost:9000')).toBe(200);
      expect(await ask('localhost:9001')).toBe(403);
    } finally {
      await tunnel.close();
    }
  });
});
