/** `attune serve`: the studio in a browser, for headless machines. */
import { parseFlags, numberFlag, UsageError } from '../args';
import type { CliIo } from '../io';
import { createNodeApp } from '../../main/node-app';
import { startServer } from '../../main/server/serve';
import { ensureRendererBuilt } from '../../main/server/renderer-build';

export const summary = 'serve the studio over HTTP on 127.0.0.1 (headless machines, browsers)';

const HELP = `Usage: attune serve [--port N] [--host ADDR] [--allow-host NAME:PORT]… [--rebuild]

  --port N                port to listen on (default: a random free port)
  --host ADDR             address to bind (default 127.0.0.1; anything else exposes the studio to your network)
  --allow-host NAME:PORT  also answer requests addressed to NAME:PORT, e.g. localhost:9000 behind
                          an SSH tunnel (repeatable)
  --rebuild               rebuild the interface before serving

Prints a URL with a one-time token; open it in a browser. Requests without the token get 401;
requests addressed to another host, or sent by a page of another origin, get 403.`;

/** Starts the server and waits until SIGINT/SIGTERM. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    'allow-host': { type: 'string', multiple: true },
    rebuild: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return io.out(HELP), 0;
  const host = values.host ?? '127.0.0.1';
  const port = numberFlag(values.port, 'port', 0);
  const allowHosts = values['allow-host'] ?? [];
  for (const h of allowHosts) {
    if (!/^[a-z0-9.-]+:\d{1,5}$|^\[[0-9a-f:]+\]:\d{1,5}$/i.test(h)) throw new UsageError(`--allow-host takes NAME:PORT, such as localhost:9000; got "${h}"`);
  }
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) {
    io.err(`warning: binding to ${host} makes the studio reachable from other machines. Anyone with the token can see your projects.`);
  }
  const rendererDir = await ensureRendererBuilt((s) => io.err(s), Boolean(values.rebuild));
  const app = createNodeApp('serve');
  const server = await startServer({ host, port, rendererDir, dispatch: app.dispatch, allowHosts });
  app.setEventSink((e, p) => server.broadcast(e, p));
  io.out(`Attune is serving at ${server.url}`);
  io.out('Press Ctrl+C to stop.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  await app.shutdown();
  return 0;
}
