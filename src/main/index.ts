/**
 * The Electron main process: single instance, hardened window, privacy guard on the session,
 * typed IPC, and an ordered shutdown that stops the engine before the databases close.
 */
import { app, BrowserWindow, dialog, ipcMain, session } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EventName, EventPayload } from '../shared/api';
import { createDispatcher } from './dispatch';
import { EngineHost } from './engine-host';
import { utilitySpawner } from './electron-engine';
import { isAllowedUrl } from './privacy';
import { createHandlers } from './handlers';
import { ProjectService } from './services/projects';
import { DatasetService } from './services/datasets';
import { RunService } from './services/runs/service';
import { createMainWindow, registerPreload } from './window';
import { defaultUserDataDir } from './paths';

/** out/: main/, preload/, renderer/ and engine/ side by side. */
const outDir = join(dirname(fileURLToPath(import.meta.url)), '..');

// one per-user folder for the window, `attune serve` and the CLI (Electron would pick ~/.config/attune)
app.setPath('userData', defaultUserDataDir());

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let win: BrowserWindow | undefined;
  const engine = new EngineHost(utilitySpawner(join(outDir, 'engine', 'worker.js')));
  const projects = new ProjectService(app.getPath('userData'));
  const emit = <E extends EventName>(event: E, payload: EventPayload<E>) => win?.webContents.send('attune:event', event, payload);
  engine.onStatus((s) => emit('engine.status', s));
  const pickFolder = async (title: string, kind: 'folder' | 'file') => {
    const options = { title, properties: [kind === 'file' ? ('openFile' as const) : ('openDirectory' as const)] };
    const r = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
    return r.canceled ? null : (r.filePaths[0] ?? null);
  };
  const dispatch = createDispatcher(createHandlers({ mode: 'electron', userDataDir: app.getPath('userData'), engine, projects, datasets: new DatasetService(engine), runs: new RunService(engine, projects, emit), emit, pickFolder }), (e) => console.error(e));

  app.on('second-instance', () => {
    if (win?.isMinimized()) win.restore();
    win?.focus();
  });

  app.whenReady().then(() => {
    // Privacy by construction: the app's own files and loopback only; nothing else is fetched.
    session.defaultSession.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !isAllowedUrl(details.url) }));
    session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
    registerPreload(outDir);
    ipcMain.handle('attune:request', (_event, method: unknown, input: unknown) => dispatch(method, input));
    win = createMainWindow(outDir, process.env.ELECTRON_RENDERER_URL);
  });

  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-navigate', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });

  let stopping = false;
  app.on('before-quit', (event) => {
    if (stopping) return;
    stopping = true;
    event.preventDefault();
    void engine.stop().finally(() => {
      projects.closeAll();
      app.exit(0);
    });
  });
  app.on('window-all-closed', () => app.quit());
}
