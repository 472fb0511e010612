/** The contract over `attune serve`'s WebSocket: the same AttuneClient the preload exposes. */
import type { AttuneClient, Reply } from '../../../shared/api';

/** Connects to `/ws` on the page's own origin (the token travels in the HttpOnly cookie). */
export function createWsClient(url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`): AttuneClient {
  let socket: WebSocket | undefined;
  let opened: Promise<WebSocket> | undefined;
  let nextId = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const listeners = new Map<string, Set<(p: unknown) => void>>();

  function connect(): Promise<WebSocket> {
    if (opened) return opened;
    opened = new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.onopen = () => {
        socket = ws;
        resolve(ws);
      };
      ws.onerror = () => reject(new Error('cannot reach the Attune server (is `attune serve` still running?)'));
      ws.onclose = () => {
        opened = undefined;
        socket = undefined;
        for (const p of pending.values()) p.reject(Object.assign(new Error('the connection to the Attune server closed'), { code: 'internal' }));
        pending.clear();
      };
      ws.onmessage = (e) => {
        const msg = JSON.parse(String(e.data)) as { id?: number; reply?: Reply; event?: string; payload?: unknown };
        if (msg.event) return listeners.get(msg.event)?.forEach((l) => l(msg.payload));
        const p = msg.id !== undefined ? pending.get(msg.id) : undefined;
        if (!p || !msg.reply) return;
        pending.delete(msg.id!);
        if (msg.reply.ok) p.resolve(msg.reply.value);
        else p.reject(Object.assign(new Error(msg.reply.error.message), { code: msg.reply.error.code }));
      };
    });
    return opened;
  }

  return {
    async request(method, input) {
      const ws = socket ?? (await connect());
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        ws.send(JSON.stringify({ id, method, input }));
      });
    },
    on(event, listener) {
      void connect().catch(() => {});
      const set = listeners.get(event) ?? new Set();
      set.add(listener as (p: unknown) => void);
      listeners.set(event, set);
      return () => void set.delete(listener as (p: unknown) => void);
    },
  };
}
