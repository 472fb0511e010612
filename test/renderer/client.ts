/** A test client: the real dispatcher over in-memory handlers (inputs validated), and events a test can push. */
import { createDispatcher } from '../../src/main/dispatch';
import type { AttuneClient, EventName, EventPayload, Handlers } from '../../src/shared/api';

export interface TestClient extends AttuneClient {
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void;
  calls: { method: string; input: unknown }[];
}

/** Builds the client; unhandled methods fail like an unknown handler would. */
export function testClient(handlers: Partial<Handlers>): TestClient {
  const dispatch = createDispatcher(handlers as Handlers);
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const calls: { method: string; input: unknown }[] = [];
  return {
    calls,
    async request(method, input) {
      calls.push({ method, input });
      const r = await dispatch(method, input);
      if (r.ok) return r.value as never;
      throw Object.assign(new Error(r.error.message), { code: r.error.code });
    },
    on(event, listener) {
      const set = listeners.get(event) ?? new Set();
      set.add(listener as (p: unknown) => void);
      listeners.set(event, set);
      return () => void set.delete(listener as (p: unknown) => void);
    },
    emit(event, payload) {
      listeners.get(event)?.forEach((l) => l(payload));
    },
  };
}
