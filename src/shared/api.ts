/**
 * The one contract between the renderer and the rest of Attune. Every request the renderer
 * may make and every event it may receive is declared here with zod schemas. The preload
 * (Electron IPC) and `attune serve` (WebSocket) implement it; main registers handlers through
 * `Handlers`, so a missing or extra handler is a compile error.
 */
import type { z } from 'zod';
import type { ErrorData } from './errors';
import { datasetEvents, datasetRequests } from './contract/datasets';
import { projectEvents, projectRequests } from './contract/projects';
import { runEvents, runRequests } from './contract/runs';
import { systemEvents, systemRequests } from './contract/system';
import { studioEvents, studioRequests } from './contract/studio';

/**
 * Every request: its input schema and its output schema. Each domain declares its part in
 * ./contract/<domain>.ts; this is their union.
 */
export const requests = {
  ...systemRequests,
  ...projectRequests,
  ...datasetRequests,
  ...runRequests,
  ...studioRequests,
} as const;

/** Every event main may push to the renderer. */
export const events = {
  ...systemEvents,
  ...projectEvents,
  ...datasetEvents,
  ...runEvents,
  ...studioEvents,
} as const;

export type Method = keyof typeof requests;
export type EventName = keyof typeof events;
export type Input<M extends Method> = z.input<(typeof requests)[M]['input']>;
export type Output<M extends Method> = z.output<(typeof requests)[M]['output']>;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;

/** Main's implementation of the contract: exactly one handler per method. */
export type Handlers = { [M in Method]: Handler<M> };

/** One handler: parsed input in, output out. */
export type Handler<M extends Method> = (input: z.output<(typeof requests)[M]['input']>) => Promise<Output<M>>;

/** The handlers of one domain's part of the contract (`typeof xxxRequests`). */
export type DomainHandlers<R> = { [M in keyof R & Method]: Handler<M> };

/** What the renderer sees as `window.attune`. */
export interface AttuneClient {
  request<M extends Method>(method: M, input: Input<M>): Promise<Output<M>>;
  /** Subscribes to an event; returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

/** A response as it travels over IPC or the WebSocket. */
export type Reply<T = unknown> = { ok: true; value: T } | { ok: false; error: ErrorData };

/** True when `name` is a method of the contract (for transports receiving untyped data). */
export function isMethod(name: unknown): name is Method {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(requests, name);
}

/** IPC channel names used by the preload and main. */
export const IPC_REQUEST = 'attune:request';
export const IPC_EVENT = 'attune:event';
