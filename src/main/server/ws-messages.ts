/**
 * One WebSocket connection of `attune serve`: every message is untrusted. Whatever arrives
 * (binary, `null`, arrays, method names of the wrong type, frames over the size limit), the
 * sender gets an error as data or a close frame, and the server keeps running.
 */
import type { RawData, WebSocket } from 'ws';
import type { Reply } from '../../shared/api';
import type { Dispatch } from '../dispatch';

type Id = string | number | null;

function refuse(message: string): Reply {
  return { ok: false, error: { code: 'validation', message } };
}

function send(ws: WebSocket, id: Id, reply: Reply): void {
  if (ws.readyState !== ws.OPEN) return;
  let text: string;
  try {
    text = JSON.stringify({ id, reply });
  } catch {
    text = JSON.stringify({ id, reply: { ok: false, error: { code: 'internal', message: 'the reply could not be encoded' } } });
  }
  // the callback takes write errors (the peer went away) instead of an 'error' event
  ws.send(text, () => {});
}

/** Answers one message: parses it, checks its shape, and calls `dispatch`; never throws. */
export async function answer(dispatch: Dispatch, raw: RawData, isBinary: boolean): Promise<{ id: Id; reply: Reply }> {
  if (isBinary) return { id: null, reply: refuse('messages must be JSON text, not binary frames') };
  let msg: unknown;
  try {
    msg = JSON.parse(String(raw));
  } catch {
    return { id: null, reply: refuse('message is not JSON') };
  }
  if (!msg || typeof msg !== 'object' || Array.isArray(msg)) {
    return { id: null, reply: refuse('a message must be a JSON object {"id", "method", "input"}') };
  }
  const { id: rawId, method, input } = msg as { id?: unknown; method?: unknown; input?: unknown };
  const id: Id = typeof rawId === 'string' || (typeof rawId === 'number' && Number.isFinite(rawId)) ? rawId : null;
  if (typeof method !== 'string') {
    return { id, reply: { ok: false, error: { code: 'unknown_method', message: 'a message needs "method" as a string' } } };
  }
  try {
    return { id, reply: await dispatch(method, input) };
  } catch {
    return { id, reply: { ok: false, error: { code: 'internal', message: `${method.slice(0, 100)}: the server could not handle this request` } } };
  }
}

/** Wires a connected socket to `dispatch`; `onClose` runs once when it goes away. */
export function serveSocket(ws: WebSocket, dispatch: Dispatch, onClose: () => void): void {
  // Oversized or malformed frames: ws has already sent a close frame (1009/1002) and ends
  // the connection itself; without this listener the 'error' event would end the process.
  ws.on('error', () => {});
  ws.on('close', onClose);
  ws.on('message', (raw, isBinary) => {
    void answer(dispatch, raw, isBinary).then(({ id, reply }) => send(ws, id, reply));
  });
}
