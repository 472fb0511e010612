/**
 * `attune serve`: the renderer and the contract over HTTP + WebSocket, for headless GPU boxes
 * and browser tests. Bound to 127.0.0.1 by default; every request needs the random token,
 * given once in the URL and then kept in an HttpOnly cookie.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Dispatch } from '../dispatch';
import { resolveStatic, sendFile } from './static-files';

export interface ServeOptions {
  host: string;
  port: number;
  rendererDir: string;
  dispatch: Dispatch;
  token?: string;
}

export interface RunningServer {
  url: string;
  token: string;
  port: number;
  server: Server;
  /** Sends an event to every connected page. */
  broadcast(event: string, payload: unknown): void;
  close(): Promise<void>;
}

const COOKIE = 'attune_token';

function securityHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy':
      "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'",
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  };
}

function tokenOf(req: IncomingMessage, url: URL): string | undefined {
  const fromQuery = url.searchParams.get('token');
  if (fromQuery) return fromQuery;
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7);
  const cookie = req.headers.cookie?.split(';').map((c) => c.trim()).find((c) => c.startsWith(`${COOKIE}=`));
  return cookie?.slice(COOKIE.length + 1);
}

function sameToken(a: string | undefined, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Starts the server; resolves once it listens. */
export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const sockets = new Set<WebSocket>();

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const given = tokenOf(req, url);
    if (!sameToken(given, token)) {
      res.writeHead(401, { 'Content-Type': 'text/plain; charset=utf-8', ...securityHeaders() });
      return void res.end('401: this Attune server needs the token printed when it started (open the full URL it showed).');
    }
    const headers: Record<string, string> = securityHeaders();
    if (url.searchParams.has('token')) headers['Set-Cookie'] = `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    if (url.pathname === '/api/health') {
      res.writeHead(200, { 'Content-Type': 'application/json', ...headers });
      return void res.end(JSON.stringify({ ok: true }));
    }
    const file = resolveStatic(opts.rendererDir, url.pathname === '/' ? '/index.html' : url.pathname)
      // a client-side route: serve the app shell
      ?? (extnameless(url.pathname) ? resolveStatic(opts.rendererDir, '/index.html') : undefined);
    if (!file) {
      res.writeHead(404, { 'Content-Type': 'text/plain', ...headers });
      return void res.end('not found');
    }
    sendFile(res, file, headers);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/ws' || !sameToken(tokenOf(req, url), token)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws));
  });
  wss.on('connection', (ws: WebSocket) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    ws.on('message', async (raw) => {
      let msg: { id?: unknown; method?: unknown; input?: unknown };
      try {
        msg = JSON.parse(String(raw));
      } catch {
        return ws.send(JSON.stringify({ id: null, reply: { ok: false, error: { code: 'validation', message: 'message is not JSON' } } }));
      }
      const reply = await opts.dispatch(msg.method, msg.input);
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id: msg.id ?? null, reply }));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  return {
    url: `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}/?token=${token}`,
    token,
    port,
    server,
    broadcast(event, payload) {
      const text = JSON.stringify({ event, payload });
      for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(text);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of sockets) ws.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function extnameless(path: string): boolean {
  return !/\.[a-z0-9]+$/i.test(path);
}
