import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..');

describe('Electron security', () => {
  it('electronegativity finds nothing of high or medium severity in src/', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'attune-eneg-')), 'report.csv');
    const cli = join(root, 'node_modules', '@doyensec', 'electronegativity', 'dist', 'index.js');
    const electron = JSON.parse(readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version;
    execFileSync(process.execPath, [cli, '-i', join(root, 'src'), '-e', electron, '-o', out], { stdio: 'ignore', timeout: 110_000 });
    const report = readFileSync(out, 'utf8');
    expect(report, 'the scanner wrote no report').toMatch(/^issue, severity/);
    const rows = report.trim().split('\n').slice(1);
    const serious = rows.filter((r) => /,"(HIGH|MEDIUM)",/.test(r));
    expect(serious).toEqual([]);
  });

  it('the window source keeps isolation, sandbox and no Node integration', () => {
    const src = readFileSync(join(root, 'src', 'main', 'window.ts'), 'utf8');
    for (const option of ['contextIsolation: true', 'sandbox: true', 'nodeIntegration: false', 'webviewTag: false']) expect(src).toContain(option);
    expect(src).toMatch(/setWindowOpenHandler\(\(\) => \(\{ action: 'deny' \}\)\)/);
    expect(src).toMatch(/will-navigate/);
  });
});
