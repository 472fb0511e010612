/** The one client the stores use: Electron's preload bridge, or the WebSocket in `attune serve`. */
import type { AttuneClient } from '../../../shared/api';
import { createWsClient } from './ws-client';

let client: AttuneClient | undefined;

/** The active client (created on first use). */
export function api(): AttuneClient {
  client ??= window.attune ?? createWsClient();
  return client;
}

/** Replaces the client (component tests). */
export function setApi(c: AttuneClient): void {
  client = c;
}

/** The user-facing message of a failed request. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
