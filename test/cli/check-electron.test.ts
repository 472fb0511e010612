/**
 * scripts/check-electron.mjs, run first by `npm start`: `npm ci` leaves Electron without its
 * binary (allowScripts denies its postinstall, so installs from the npm registry alone
 * succeed), and this check downloads it once or says how to get it. A stand-in electron package
 * in a temporary folder plays the installed one.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(__dirname, '..', '..');
const script = join(repo, 'scripts', 'check-electron.mjs');
const roots: string[] = [];

/** A project folder whose node_modules/electron has index.js as npm installs it and the given install.js. */
function standIn(installJs: string, withBinary = false): string {
  const root = mkdtempSync(join(tmpdir(), 'attune-check-electron-'));
  roots.push(root);
  const pkg = join(root, 'node_modules', 'electron');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(root, 'package.json'), '{"name":"stand-in","private":true}');
  writeFileSync(join(pkg, 'package.json'), '{"name":"electron","version":"39.0.0","main":"index.js"}');
  // electron's own index.js, reduced: path.txt names the binary inside dist/
  writeFileSync(join(pkg, 'index.js'), [
    "const fs = require('fs'); const path = require('path');",
    "const f = path.join(__dirname, 'path.txt');",
    "if (!fs.existsSync(f)) throw new Error('Electron failed to install correctly, please delete node_modules/electron and try installing again');",
    "module.exports = path.join(__dirname, 'dist', fs.readFileSync(f, 'utf8'));",
  ].join('\n'));
  writeFileSync(join(pkg, 'install.js'), installJs);
  if (withBinary) {
    mkdirSync(join(pkg, 'dist'));
    writeFileSync(join(pkg, 'dist', 'electron'), '');
    writeFileSync(join(pkg, 'path.txt'), 'electron');
  }
  return root;
}

function check(root: string, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [script], { env: { ...process.env, ...env, ATTUNE_CHECK_ELECTRON_ROOT: root }, encoding: 'utf8', timeout: 60_000 });
}

afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

describe('npm start without the Electron binary', () => {
  it('tries the download once, then says the binary is missing, how to get it, or to use attune serve', () => {
    const root = standIn("console.error('RequestError: getaddrinfo ENOTFOUND github.com'); console.error('    at ClientRequest.<anonymous>'); process.exit(1);");
    const r = check(root);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('downloading it once');
    expect(r.stderr).toContain('the Electron binary could not be downloaded');
    expect(r.stderr).toContain('ENOTFOUND github.com');
    expect(r.stderr).not.toContain('at ClientRequest');
    expect(r.stderr).toContain('ELECTRON_MIRROR=');
    expect(r.stderr).toContain('node node_modules/electron/install.js');
    expect(r.stderr).toContain('npx attune serve');
  });

  it('tries the download even when ELECTRON_SKIP_BINARY_DOWNLOAD is set, and goes on once it worked', () => {
    const root = standIn([
      "const fs = require('fs'); const path = require('path');",
      "if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) process.exit(0);",
      "fs.mkdirSync(path.join(__dirname, 'dist'), { recursive: true });",
      "fs.writeFileSync(path.join(__dirname, 'dist', 'electron'), '');",
      "fs.writeFileSync(path.join(__dirname, 'path.txt'), 'electron');",
    ].join('\n'));
    const r = check(root, { ELECTRON_SKIP_BINARY_DOWNLOAD: '1' });
    expect(r.stderr).toContain('Electron binary installed');
    expect(r.status).toBe(0);
  });

  it('does nothing when the binary is there', () => {
    const root = standIn("require('fs').writeFileSync(require('path').join(__dirname, 'ran'), ''); process.exit(1);", true);
    const r = check(root);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(existsSync(join(root, 'node_modules', 'electron', 'ran'))).toBe(false);
  });

  it('names `npm ci` when electron is not installed at all', () => {
    const root = mkdtempSync(join(tmpdir(), 'attune-check-electron-'));
    roots.push(root);
    const r = check(root);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/run `npm ci` first/);
  });
});

describe('the install the README promises (npm ci from the registry alone)', () => {
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));

  it("denies electron's postinstall download and checks for the binary before npm start and npm run dev", () => {
    expect(pkg.allowScripts.electron).toBe(false);
    expect(pkg.scripts.start).toMatch(/^node scripts\/check-electron\.mjs && /);
    expect(pkg.scripts.dev).toMatch(/^node scripts\/check-electron\.mjs && /);
  });

  it('is what CI runs: .ci/run does not hide the download with ELECTRON_SKIP_BINARY_DOWNLOAD', () => {
    const ci = readFileSync(join(repo, '.ci', 'run'), 'utf8');
    expect(ci).not.toMatch(/export\s+ELECTRON_SKIP_BINARY_DOWNLOAD/);
    expect(ci).toMatch(/^npm ci$/m);
  });
});
