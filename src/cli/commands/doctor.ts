/** `attune doctor`: which compute backend is active, and why the better ones are not. */
import { parseFlags } from '../args';
import type { CliIo } from '../io';
import { EngineHost } from '../../main/engine-host';
import { doctorReport } from '../../main/services/doctor';
import type { DoctorReport } from '../../shared/schemas/system';

export const summary = 'show the active training backend, each backend tried and why, threads and versions';

/** Formats the report for a terminal. */
export function formatDoctor(r: DoctorReport): string {
  const lines = [`Active backend: ${r.backend}${r.threads ? ` (${r.threads} thread${r.threads === 1 ? '' : 's'})` : ''}`, '', 'Backends tried, best first:'];
  for (const a of r.attempts) {
    lines.push(`  ${a.ok ? '✓' : '✗'} ${a.name}${a.reason ? `: ${a.reason}` : ''}`);
    if (a.advice && !a.ok) lines.push(`      what to do: ${a.advice}`);
  }
  const adapter = (r as { adapter?: Record<string, unknown> }).adapter;
  if (adapter) {
    const limits = adapter.limits as { maxBufferSize?: number; maxStorageBufferBindingSize?: number } | undefined;
    const mib = (n?: number) => (typeof n === 'number' ? `${Math.round(n / 2 ** 20)} MiB` : '?');
    lines.push('', `WebGPU adapter: ${[adapter.vendor, adapter.architecture, adapter.description].filter(Boolean).join(' / ')}${adapter.software ? ' (software)' : ''}`);
    lines.push(`  limits: maxBufferSize ${mib(limits?.maxBufferSize)}, maxStorageBufferBindingSize ${mib(limits?.maxStorageBufferBindingSize)}`);
  }
  lines.push('', 'Versions:');
  for (const [k, v] of Object.entries(r.versions)) lines.push(`  ${k.padEnd(16)} ${v}`);
  return lines.join('\n');
}

/** Runs the doctor job in a real engine process and prints the report. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(argv, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) return io.out('Usage: attune doctor [--json]'), 0;
  const engine = new EngineHost();
  try {
    const report = doctorReport(await engine.request('doctor'), 'cli');
    io.out(values.json ? JSON.stringify(report) : formatDoctor(report));
    return 0;
  } finally {
    await engine.stop();
  }
}
