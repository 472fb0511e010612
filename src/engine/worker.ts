/**
 * The engine process entry. Runs as an Electron utilityProcess (messages on
 * `process.parentPort`) or as a Node child process (`process.send`). It knows nothing of
 * Electron, SQLite or Vue: it takes requests, runs jobs, and sends replies and events.
 */
import type { FromEngine, ToEngine } from '../shared/engine-protocol';
import { toErrorData } from '../shared/errors';
import { getJob } from './jobs';
import './core-jobs';
import './data-jobs';
import './preview-jobs';
import './pipeline/jobs';

interface ParentPort {
  on(event: 'message', listener: (e: { data: ToEngine }) => void): void;
  postMessage(message: FromEngine): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

function send(message: FromEngine): void {
  if (parentPort) parentPort.postMessage(message);
  else process.send?.(message);
}

const running = new Map<number, AbortController>();

async function handle(message: ToEngine): Promise<void> {
  if (message.type === 'shutdown') process.exit(0);
  if (message.type === 'cancel') return void running.get(message.seq)?.abort();
  const { seq, method, params } = message;
  const controller = new AbortController();
  running.set(seq, controller);
  try {
    const job = getJob(method);
    const value = await job(params, { emit: (name, payload) => send({ type: 'event', seq, name, payload }), signal: controller.signal });
    send({ type: 'reply', seq, ok: true, value });
  } catch (e) {
    send({ type: 'reply', seq, ok: false, error: toErrorData(e) });
  } finally {
    running.delete(seq);
  }
}

if (parentPort) parentPort.on('message', (e) => void handle(e.data));
else process.on('message', (m) => void handle(m as ToEngine));
process.on('disconnect', () => process.exit(0));
send({ type: 'ready', pid: process.pid });
