/** The doctor report: the engine's backend report plus the versions a bug report needs. */
import { createRequire } from 'node:module';
import type { DoctorReport } from '../../shared/schemas/system';
import { version } from './version';

const require = createRequire(import.meta.url);

function packageVersion(name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

/** Adds app and runtime versions to a backend report from the engine. */
export function doctorReport(backendReport: Record<string, unknown>, mode: DoctorReport['app']['mode']): DoctorReport {
  const base = backendReport as Partial<DoctorReport>;
  return {
    ...backendReport,
    backend: String(base.backend ?? 'none'),
    attempts: Array.isArray(base.attempts) ? base.attempts : [],
    versions: {
      ...(base.versions as Record<string, string> | undefined),
      attune: version(),
      node: process.versions.node,
      ...(process.versions.electron ? { electron: process.versions.electron } : {}),
      'tfjs-core': packageVersion('@tensorflow/tfjs-core'),
      'better-sqlite3': packageVersion('better-sqlite3'),
      sharp: packageVersion('sharp'),
    },
    app: { version: version(), mode, platform: `${process.platform}-${process.arch}` },
  };
}
