/**
 * The preload: exposes the typed contract as `window.attune` and nothing else. The raw
 * ipcRenderer never reaches the page.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { AttuneClient, Reply } from '../shared/api';

const IPC_REQUEST = 'attune:request';
const IPC_EVENT = 'attune:event';

const client: AttuneClient = {
  async request(method, input) {
    const reply = (await ipcRenderer.invoke(IPC_REQUEST, method, input)) as Reply;
    if (reply.ok) return reply.value as never;
    throw Object.assign(new Error(reply.error.message), { code: reply.error.code });
  },
  on(event, listener) {
    const handler = (_e: IpcRendererEvent, name: string, payload: unknown) => {
      if (name === event) listener(payload as never);
    };
    ipcRenderer.on(IPC_EVENT, handler);
    return () => void ipcRenderer.removeListener(IPC_EVENT, handler);
  },
};

contextBridge.exposeInMainWorld('attune', client);
