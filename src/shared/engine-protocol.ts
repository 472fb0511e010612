/** Messages between the main process (engine host) and the engine process. */
import type { ErrorData } from './errors';

/** main → engine */
export type ToEngine =
  | { type: 'request'; seq: number; method: string; params: unknown }
  | { type: 'cancel'; seq: number }
  | { type: 'shutdown' };

/** engine → main */
export type FromEngine =
  | { type: 'ready'; pid: number }
  | { type: 'reply'; seq: number; ok: true; value: unknown }
  | { type: 'reply'; seq: number; ok: false; error: ErrorData }
  | { type: 'event'; seq: number; name: string; payload: unknown };
