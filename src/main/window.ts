/** The hardened main window: isolated, sandboxed, no Node in the page, no popups, no navigation. */
import { BrowserWindow, shell, type WebPreferences } from 'electron';
import { join } from 'node:path';

/** The web preferences every Attune window uses (exported so a test can check them). */
export function securePreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    spellcheck: false,
    navigateOnDragDrop: false,
  };
}

/** Creates the main window and loads the renderer (dev server URL or built file). */
export function createMainWindow(outDir: string, devUrl?: string): BrowserWindow {
  const win = new BrowserWindow({
    width: 1360,
    height: 860,
    minWidth: 1024,
    minHeight: 700,
    show: false,
    title: 'Attune',
    backgroundColor: '#14161a',
    webPreferences: securePreferences(join(outDir, 'preload', 'index.cjs')),
  });
  win.once('ready-to-show', () => win.show());
  win.webContents.setWindowOpenHandler(({ url }) => {
    // Only documentation links open, in the user's browser; no window is ever created by the page.
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (event) => event.preventDefault());
  win.webContents.on('will-attach-webview', (event) => event.preventDefault());
  if (devUrl) void win.loadURL(devUrl);
  else void win.loadFile(join(outDir, 'renderer', 'index.html'));
  return win;
}
