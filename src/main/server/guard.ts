/**
 * Which requests `attune serve` answers at all: the `Host` must name the address and port it
 * is bound to (this blocks DNS rebinding), and a browser's `Origin` must be the studio's own
 * (this blocks a page served from another port or site from driving the studio with the
 * cookie). Pure functions over headers, so they are tested without a socket.
 */
import { hostname, networkInterfaces } from 'node:os';
import type { IncomingHttpHeaders } from 'node:http';

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/** An address as it appears in a Host header: IPv6 in brackets, lower case, no zone id. */
function hostForm(address: string): string {
  const a = address.toLowerCase().replace(/%.*$/, '');
  return a.includes(':') && !a.startsWith('[') ? `[${a}]` : a;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]' || host === '';
}

/**
 * The `host:port` values a request may name for a server bound to `bindHost:port`:
 * loopback names for a loopback bind; for a wildcard bind also every address of this
 * machine and its host name; `extra` adds names such as an SSH tunnel's `localhost:9000`.
 */
export function allowedHosts(bindHost: string, port: number, extra: string[] = []): Set<string> {
  const names = new Set<string>();
  if (isLoopback(bindHost) || isWildcard(bindHost)) LOOPBACK_NAMES.forEach((n) => names.add(n));
  if (isWildcard(bindHost)) {
    for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) names.add(hostForm(i.address));
    names.add(hostname().toLowerCase());
  } else {
    names.add(hostForm(bindHost));
  }
  const out = new Set<string>();
  for (const n of names) {
    out.add(`${n}:${port}`);
    if (port === 80) out.add(n); // browsers leave the default port out of Host
  }
  for (const e of extra) out.add(e.toLowerCase());
  return out;
}

/** Why a request is refused (a sentence for the person who sent it), or undefined to let it in. */
export type Verdict = string | undefined;

/**
 * Checks `Host`, `Origin` and `Sec-Fetch-Site` of an HTTP request or WebSocket upgrade.
 * Clients that are not browsers send no Origin and still need the token.
 */
export function checkRequest(headers: IncomingHttpHeaders, allowed: Set<string>, isUpgrade: boolean): Verdict {
  const shown = [...allowed].slice(0, 3).join(', ');
  const host = headers.host?.toLowerCase();
  if (!host || !allowed.has(host)) {
    return `this Attune server answers only at ${shown}, not at "${headers.host ?? ''}". Open the address it printed, or start it with --allow-host NAME:PORT (for example an SSH tunnel's localhost:9000).`;
  }
  const origin = headers.origin;
  if (origin !== undefined && !originAllowed(origin, allowed)) {
    return `this Attune server refuses requests made by another web page (${origin.slice(0, 100)}); only its own page at http://${host} may use it.`;
  }
  // A browser sends no Origin with plain GETs from <img> or <script>; Sec-Fetch-Site still
  // tells us they came from another page. Opening the studio through a link stays allowed.
  const site = headers['sec-fetch-site'];
  const mode = headers['sec-fetch-mode'];
  if ((site === 'cross-site' || site === 'same-site') && (isUpgrade || mode !== 'navigate')) {
    return 'this Attune server refuses requests made by another web page; only its own page may use it.';
  }
  return undefined;
}

/** True when `origin` is `http://` plus one of the allowed hosts. */
export function originAllowed(origin: string, allowed: Set<string>): boolean {
  const m = /^http:\/\/([^/]+)$/i.exec(origin);
  if (!m) return false;
  const h = m[1].toLowerCase();
  return allowed.has(h) || allowed.has(`${h}:80`);
}
