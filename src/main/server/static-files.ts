/** Serves the built renderer's files, never anything outside its folder. */
import { createReadStream, existsSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const resourcesDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'resources');

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

/** Resolves a URL path inside `root`; undefined for traversal attempts or missing files. */
export function resolveStatic(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath.split('?')[0]);
  } catch {
    return undefined;
  }
  const base = resolve(root);
  const file = resolve(join(base, normalize(decoded)));
  if (file !== base && !file.startsWith(base + sep)) return undefined;
  if (!existsSync(file) || !statSync(file).isFile()) return undefined;
  return file;
}

/** Streams a file with its content type; `headers` adds security headers. */
export function sendFile(res: ServerResponse, file: string, headers: Record<string, string>): void {
  const stream = createReadStream(file);
  // opened before the head is written, so a file that vanished or is unreadable gets a 404
  stream.once('open', () => {
    res.writeHead(200, { 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream', ...headers });
    stream.pipe(res);
  });
  stream.once('error', () => {
    if (!res.headersSent) res.writeHead(404, { 'Content-Type': 'text/plain', ...headers });
    res.end();
  });
}

/** Answers `/favicon.ico` with the app icon from resources/ when there is one, else 204. */
export function sendFavicon(res: ServerResponse, headers: Record<string, string>, dir = resourcesDir): void {
  for (const name of ['icon.ico', 'icon.png', 'icon.svg']) {
    const file = join(dir, name);
    if (existsSync(file)) return sendFile(res, file, { ...headers, 'Cache-Control': 'max-age=86400' });
  }
  res.writeHead(204, headers);
  res.end();
}
