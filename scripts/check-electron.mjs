#!/usr/bin/env node
// Run first by `npm start`: makes sure the Electron binary is there. `npm ci` does not download
// it (package.json's allowScripts denies electron's postinstall, so an install on a machine that
// reaches only the npm registry succeeds); this script tries the download once and, when it
// fails, says how to get the binary or how to use the studio without it (`npx attune serve`).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// The project root; ATTUNE_CHECK_ELECTRON_ROOT points it elsewhere (tests use a stand-in electron).
const root = resolve(process.env.ATTUNE_CHECK_ELECTRON_ROOT ?? join(dirname(fileURLToPath(import.meta.url)), '..'));

/** The Electron executable's path when it is installed, otherwise undefined. */
export function electronBinary(projectRoot = root) {
  const require = createRequire(join(projectRoot, 'package.json'));
  try {
    const path = require('electron');
    return typeof path === 'string' && existsSync(path) ? path : undefined;
  } catch {
    return undefined; // "Electron failed to install correctly": no path.txt, no binary
  } finally {
    // a second call must read the package again, after a download
    for (const key of Object.keys(require.cache)) if (key.includes(`${join('node_modules', 'electron')}`)) delete require.cache[key];
  }
}

/** The message shown when the binary is still missing after one download attempt. */
export function missingMessage(reason) {
  return [
    '',
    'attune: the Electron binary could not be downloaded, so the studio window cannot open.',
    reason ? `  (${reason})` : '',
    '',
    '`npm ci` installs Electron without its binary: the binary comes from GitHub, not the npm registry.',
    'To get it:',
    '  - with network access to github.com:   node node_modules/electron/install.js',
    '  - through a mirror:                     ELECTRON_MIRROR=https://your.mirror/electron/ node node_modules/electron/install.js',
    '  - from a downloaded electron-vXX-<platform>.zip: put it in the cache folder named by electron_config_cache, then run install.js',
    '',
    'Or use the same studio in your browser, no Electron needed:',
    '  npx attune serve',
    '',
  ].filter((l, i, all) => l !== '' || all[i - 1] !== '').join('\n');
}

/** Checks, tries `node node_modules/electron/install.js` once if missing; resolves to the exit code. */
export function main() {
  if (electronBinary()) return 0;
  const electronDir = join(root, 'node_modules', 'electron');
  const installer = join(electronDir, 'install.js');
  if (!existsSync(installer)) {
    process.stderr.write(missingMessage('node_modules/electron is not installed: run `npm ci` first') + '\n');
    return 1;
  }
  process.stderr.write('attune: the Electron binary is not installed yet; downloading it once (node node_modules/electron/install.js) …\n');
  // install.js does nothing when this is set; the user asked for a window, so try anyway
  const env = { ...process.env };
  delete env.ELECTRON_SKIP_BINARY_DOWNLOAD;
  const r = spawnSync(process.execPath, [installer], { cwd: electronDir, env, stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
  if (r.status === 0 && electronBinary()) {
    process.stderr.write('attune: Electron binary installed.\n');
    return 0;
  }
  const lastLine = (r.stderr ?? '').trim().split('\n').find((l) => l.trim() && !l.startsWith('    at ')) ?? r.error?.message;
  process.stderr.write(missingMessage(lastLine ? `download failed: ${lastLine.trim().slice(0, 300)}` : `install.js exited with code ${r.status}`) + '\n');
  return 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main();
