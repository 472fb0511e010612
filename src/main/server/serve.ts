/**
 * `attune serve`: the renderer and the contract over HTTP + WebSocket, for headless GPU boxes
 * and browser tests. Bound to 127.0.0.1 by default; every request needs the random token,
 * given once in the URL and then kept in an HttpOnly cookie. Requests naming another Host,
 * or sent by a page of another origin, are refused with 403 (see guard.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Dispatch } from '../dispatch';
import { allowedHosts, checkRequest } from './guard';
import { resolveStatic, sendFavicon, sendFile } from './static-files';
import { serveSocket } from './ws-messages';

export interface ServeOptions {
  host: string;
  port: number;
  rendererDir: string;
  dispatch: Dispatch;
  token?: string;
  /** extra `host:port` names the server answers to (an SSH tunnel, a reverse proxy) */
  allowHosts?: string[];
}

/** The largest WebSocket message accepted; a bigger one closes that connection (1009). */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

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

/** Parses a request target; undefined for anything but an origin-form path (`//`, `*`, `http://…`). */
export function requestUrl(target: string | undefined): URL | undefined {
  if (!target || !target.startsWith('/')) return undefined;
  try {
    // the path is appended to a fixed origin, so `//host/…` stays a path and never a host
    return new URL(`http://attune.invalid${target}`);
  } catch {
    return undefined;
  }
}

function refuseSocket(socket: Duplex, status: string, text: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
}

/** Starts the server; resolves once it listens. */
export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const sockets = new Set<WebSocket>();
  let allowed = new Set<string>();

  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8', ...securityHeaders() });
      res.end('500: the server could not answer this request');
    }
  });

  function plain(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...securityHeaders(), ...extra });
    res.end(`${status}: ${text}`);
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const refused = checkRequest(req.headers, allowed, false);
    if (refused) return plain(res, 403, refused);
    const url = requestUrl(req.url);
    if (!url) return plain(res, 400, 'this Attune server answers only paths such as /index.html');
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'this Attune server answers only GET; the studio talks over its WebSocket', { Allow: 'GET, HEAD' });
    if (url.pathname === '/favicon.ico') return sendFavicon(res, securityHeaders());
    const given = tokenOf(req, url);
    if (!sameToken(given, token)) {
      return plain(res, 401, 'this Attune server needs the token printed when it started (open the full URL it showed).');
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
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  server.on('upgrade', (req, socket, head) => {
    // node removes its own listener on upgrade: a reset socket would otherwise end the process
    socket.on('error', () => socket.destroy());
    const refused = checkRequest(req.headers, allowed, true);
    if (refused) return refuseSocket(socket, '403 Forbidden', refused);
    const url = requestUrl(req.url);
    if (!url || url.pathname !== '/ws' || !sameToken(tokenOf(req, url), token)) {
      return refuseSocket(socket, '401 Unauthorized', 'this Attune server needs the token printed when it started');
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws));
  });
  wss.on('connection', (ws: WebSocket) => {
    sockets.add(ws);
    serveSocket(ws, opts.dispatch, () => sockets.delete(ws));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  // after listening, a failed accept (too many open files) must not end the process
  server.on('error', () => {});
  const port = (server.address() as AddressInfo).port;
  allowed = allowedHosts(opts.host, port, opts.allowHosts);
  const shownHost = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  return {
    url: `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}/?token=${token}`,
    token,
    port,
    server,
    broadcast(event, payload) {
      const text = JSON.stringify({ event, payload });
      for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(text, () => {});
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
