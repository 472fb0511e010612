/** `attune serve`: the studio in a browser, for headless machines. */
import { parseFlags, numberFlag } from '../args';
import type { CliIo } from '../io';
import { createNodeApp } from '../../main/node-app';
import { startServer } from '../../main/server/serve';
import { ensureRendererBuilt } from '../../main/server/renderer-build';

export const summary = 'serve the studio over HTTP on 127.0.0.1 (headless machines, browsers)';

const HELP = `Usage: attune serve [--port N] [--host ADDR] [--rebuild]

  --port N      port to listen on (default: a random free port)
  --host ADDR   address to bind (default 127.0.0.1; anything else exposes the studio to your network)
  --rebuild     rebuild the interface before serving

Prints a URL with a one-time token; open it in a browser. Requests without the token get 401.`;

/** Starts the server and waits until SIGINT/SIGTERM. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    rebuild: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return io.out(HELP), 0;
  const host = values.host ?? '127.0.0.1';
  const port = numberFlag(values.port, 'port', 0);
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) {
    io.err(`warning: binding to ${host} makes the studio reachable from other machines. Anyone with the token can see your projects.`);
  }
  const rendererDir = await ensureRendererBuilt((s) => io.err(s), Boolean(values.rebuild));
  const app = createNodeApp('serve');
  const server = await startServer({ host, port, rendererDir, dispatch: app.dispatch });
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
