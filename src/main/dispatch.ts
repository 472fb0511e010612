/** Turns the typed handlers into one transport-neutral entry: parse, call, reply as data. */
import { isMethod, requests, type Handlers, type Reply } from '../shared/api';
import { AppError, toErrorData } from '../shared/errors';

/** A function every transport (IPC, WebSocket, tests) calls with untrusted data. */
export type Dispatch = (method: unknown, input: unknown) => Promise<Reply>;

/** Builds the dispatcher: unknown methods and invalid payloads become errors, never crashes. */
export function createDispatcher(handlers: Handlers, onInternalError?: (e: unknown) => void): Dispatch {
  return async (method, input) => {
    if (!isMethod(method)) return { ok: false, error: { code: 'unknown_method', message: `unknown method: ${String(method)}` } };
    const parsed = requests[method].input.safeParse(input ?? {});
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ');
      return { ok: false, error: { code: 'validation', message: `${method}: ${detail}` } };
    }
    try {
      const handler = handlers[method] as (i: unknown) => Promise<unknown>;
      return { ok: true, value: await handler(parsed.data) };
    } catch (e) {
      if (!(e instanceof AppError)) onInternalError?.(e);
      return { ok: false, error: toErrorData(e) };
    }
  };
}
