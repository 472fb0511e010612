/**
 * Issue 25's guard: every registry architecture × every SSL method (BYOL, MoCo v2, SimCLR,
 * SwAV, and UFT's MoCo + CutMix) takes two real optimiser steps, built as a pretrain stage
 * builds them, at 32 px, batch 2, at each architecture's own depth with tiny widths. The
 * combinations run in a child process with a time cap each: a combination that does not finish
 * in time is killed and reported as "did not complete", and the child restarts at the next one,
 * so a stall names its combination instead of timing out the suite. The live tensor count must
 * be the same after both steps and the loss finite.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { listArchitectures } from '../../../src/engine/models/registry';
import { SSL_METHOD_NAMES } from '../../../src/shared/ssl-methods';

/** Seconds one combination may take; healthy ones take 1–5 s on a loaded 2-core machine. */
const CAP_S = 90;
/** Seconds the child may take to start (tsx and the wasm backend) before its first combination. */
const START_S = 120;
const METHODS = [...SSL_METHOD_NAMES, 'uft'];
const ARCHS = listArchitectures();
const CHILD = join(__dirname, 'fixtures', 'ssl-steps-child.ts');

type Outcome = { ok: true; stepMs: number[]; tensors: number[]; loss: number } | { ok: false; why: string };

/** Runs the combinations in one child until one stalls or fails; settles them in `results` and returns why a child that settled none stopped. */
function runFrom(combos: string[], results: Map<string, Outcome>): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), CHILD, ...combos], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ATTUNE_WASM_THREADS: '1' },
    });
    let current: string | null = null;
    let buf = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    let lastErr = '';
    const arm = (seconds: number) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (current) results.set(current, { ok: false, why: `did not complete in ${seconds} s` });
        else lastErr = `the child did not start in ${seconds} s`;
        child.kill('SIGKILL');
      }, seconds * 1000);
    };
    arm(START_S);
    child.stdout.on('data', (d) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        const msg = JSON.parse(line) as { start?: string; done?: string; stepMs: number[]; tensors: number[]; loss: number };
        if (msg.start) (current = msg.start), arm(CAP_S);
        if (msg.done) results.set(msg.done, { ok: true, stepMs: msg.stepMs, tensors: msg.tensors, loss: msg.loss }), (current = null);
      }
    });
    child.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
    child.on('close', (code) => {
      clearTimeout(timer);
      const errLine = err.split('\n').map((l) => l.trim()).filter((l) => /Error/.test(l)).pop() ?? '';
      const why = `failed (exit ${code})${errLine ? `: ${errLine}` : ''}`;
      if (current && !results.has(current)) results.set(current, { ok: false, why });
      else if (!current && code !== 0) lastErr ||= why;
      resolve(lastErr);
    });
  });
}

const results = new Map<string, Outcome>();

beforeAll(async () => {
  const all = ARCHS.flatMap((a) => METHODS.map((m) => `${a}:${m}`));
  // restart after a stalled or failed combination until every one is settled
  for (let rest = all; rest.length > 0; rest = all.filter((c) => !results.has(c))) {
    const before = results.size;
    const why = await runFrom(rest, results);
    if (results.size === before) for (const c of rest) results.set(c, { ok: false, why: why || 'the child process stopped before it' });
  }
}, ARCHS.length * METHODS.length * (START_S + CAP_S) * 1000); // a ceiling: every combination stalling, each after a restart

describe('two SSL steps of every architecture × method', () => {
  for (const arch of ARCHS) {
    it(`${arch}: ${METHODS.join(', ')}`, () => {
      for (const m of METHODS) {
        const o = results.get(`${arch}:${m}`)!;
        expect(o.ok ? 'completed' : o.why, `${arch} × ${m}`).toBe('completed');
        if (!o.ok) continue;
        expect(Number.isFinite(o.loss), `${arch} × ${m}: loss ${o.loss}`).toBe(true);
        expect(o.tensors, `${arch} × ${m}: live tensors after steps 1 and 2`).toEqual([o.tensors[0], o.tensors[0]]);
      }
    });
  }
});
