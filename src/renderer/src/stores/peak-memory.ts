/**
 * The engine's peak resident memory per run, as the studio saw it while the run trained,
 * remembered in localStorage (the newest 200 runs) so a finished run still shows its own peak.
 */
const KEY = 'attune.peakMemory';
const KEEP = 200;

/** The remembered peaks by run id (empty when storage is unavailable or damaged). */
export function loadPeaks(): Record<string, number> {
  try {
    const raw = JSON.parse(localStorage.getItem(KEY) ?? '{}') as unknown;
    if (!raw || typeof raw !== 'object') return {};
    return Object.fromEntries(Object.entries(raw as Record<string, unknown>).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1])));
  } catch {
    return {};
  }
}

/** Raises a run's peak to `bytes` when it is larger; true when it changed. */
export function recordPeak(peaks: Record<string, number>, runId: string, bytes: number): boolean {
  if (!Number.isFinite(bytes) || (peaks[runId] ?? 0) >= bytes) return false;
  delete peaks[runId]; // re-inserted last: the newest runs are kept
  peaks[runId] = bytes;
  return true;
}

/** Remembers the peaks, keeping the newest runs. */
export function savePeaks(peaks: Record<string, number>): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(Object.fromEntries(Object.entries(peaks).slice(-KEEP))));
  } catch {
    // not remembered
  }
}
