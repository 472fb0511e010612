/**
 * Health report of a dataset, accumulated record by record (so a 100k-image scan streams
 * through it): problems, exact duplicates and label leakage across roles, class balance,
 * tiny images, unusual colour modes and how they are converted, a suggested resolution.
 */
import type { DuplicateGroup, HealthProblem, HealthReport, ImageRecord, ImageRole, UnusualMode } from '../../shared/schemas/dataset';

const MAX_EXAMPLES = 5;
const TINY_SIDE = 8;

type ModeKind = UnusualMode['kind'];
const CONVERSIONS: Record<ModeKind, string> = {
  grayscale: 'the grey channel is copied to R, G and B',
  alpha: 'composited over a white background, then the alpha channel is dropped',
  cmyk: 'converted to sRGB with the embedded or a default CMYK profile',
  '16-bit': 'scaled to 8 bits per channel',
  'palette-or-other': 'converted to 8-bit sRGB',
};

interface DupEntry { paths: string[]; roles: Set<ImageRole>; labels: Set<string> }

/** Resolution to train at, from the median short side: the largest common size not above it (32 at least). */
export function suggestResolution(medianShortSide: number): number {
  const sizes = [32, 64, 96, 128, 160, 192, 224];
  let best = 32;
  for (const s of sizes) if (s <= medianShortSide) best = s;
  return best;
}

/** Accumulates records one at a time and produces the report at the end. */
export class HealthAccumulator {
  private total = 0;
  private readable = 0;
  private problems: HealthProblem[] = [];
  private byHash = new Map<string, DupEntry | string>();
  private hashMeta = new Map<string, { role: ImageRole; label: string | null }>();
  private classes = new Map<string, number>();
  private byRole = new Map<string, number>();
  private small = { count: 0, examples: [] as string[] };
  private modes = new Map<ModeKind, { count: number; examples: string[] }>();
  private shortSideHist = new Map<number, number>();
  private minSide = Infinity;
  private maxSide = 0;

  constructor(private readonly smallThreshold = 32, private readonly maxProblems = 10_000) {}

  /** Adds one scanned record. */
  add(r: ImageRecord): void {
    this.total++;
    this.byRole.set(r.role, (this.byRole.get(r.role) ?? 0) + 1);
    if (r.error) {
      if (this.problems.length < this.maxProblems) this.problems.push({ path: r.relPath, reason: r.error });
      return;
    }
    this.readable++;
    if (r.label !== null && r.role === 'labeled') this.classes.set(r.label, (this.classes.get(r.label) ?? 0) + 1);
    this.addHash(r);
    const short = Math.min(r.width, r.height);
    const long = Math.max(r.width, r.height);
    this.minSide = Math.min(this.minSide, short);
    this.maxSide = Math.max(this.maxSide, long);
    this.shortSideHist.set(short, (this.shortSideHist.get(short) ?? 0) + 1);
    if (short < this.smallThreshold) {
      this.small.count++;
      if (this.small.examples.length < MAX_EXAMPLES) this.small.examples.push(r.relPath);
      if (short < TINY_SIDE && this.problems.length < this.maxProblems) {
        this.problems.push({ path: r.relPath, reason: `very small image (${r.width}×${r.height} px): it will be upscaled and carries almost no information` });
      }
    }
    for (const kind of this.modesOf(r)) {
      const m = this.modes.get(kind) ?? { count: 0, examples: [] };
      m.count++;
      if (m.examples.length < MAX_EXAMPLES) m.examples.push(r.relPath);
      this.modes.set(kind, m);
    }
  }

  private modesOf(r: ImageRecord): ModeKind[] {
    const out: ModeKind[] = [];
    const space = r.colorSpace.toLowerCase();
    if (space === 'cmyk' || (r.channels === 4 && !r.hasAlpha)) out.push('cmyk');
    else if (space === 'b-w' || space === 'grey16' || r.channels === 1 || (r.channels === 2 && r.hasAlpha)) out.push('grayscale');
    else if (space !== 'srgb' && space !== 'rgb16' && space !== 'rgb' && space !== '') out.push('palette-or-other');
    if (r.hasAlpha) out.push('alpha');
    if (r.bitDepth > 8) out.push('16-bit');
    return out;
  }

  private addHash(r: ImageRecord): void {
    if (!r.sha256) return;
    const prev = this.byHash.get(r.sha256);
    if (prev === undefined) {
      // first sighting: keep only the path (cheap); expand on the second
      this.byHash.set(r.sha256, r.relPath);
      this.hashMeta.set(r.sha256, { role: r.role, label: r.label });
      return;
    }
    let entry: DupEntry;
    if (typeof prev === 'string') {
      const meta = this.hashMeta.get(r.sha256)!;
      entry = { paths: [prev], roles: new Set([meta.role]), labels: new Set(meta.label ? [meta.label] : []) };
      this.byHash.set(r.sha256, entry);
    } else entry = prev;
    entry.paths.push(r.relPath);
    entry.roles.add(r.role);
    if (r.label) entry.labels.add(r.label);
  }

  private medianShortSide(): number {
    if (this.readable === 0) return 0;
    const sides = [...this.shortSideHist.keys()].sort((a, b) => a - b);
    let seen = 0;
    for (const s of sides) {
      seen += this.shortSideHist.get(s)!;
      if (seen * 2 >= this.readable) return s;
    }
    return sides[sides.length - 1];
  }

  /** The report over every record added so far. */
  report(): HealthReport {
    const duplicates: DuplicateGroup[] = [];
    for (const [sha, e] of this.byHash) {
      if (typeof e === 'string') continue;
      duplicates.push({ sha256: sha, paths: e.paths, roles: [...e.roles], labels: [...e.labels], leakage: e.roles.size > 1 });
    }
    duplicates.sort((a, b) => Number(b.leakage) - Number(a.leakage) || b.paths.length - a.paths.length);
    const classes = Object.fromEntries([...this.classes].sort((a, b) => a[0].localeCompare(b[0])));
    const counts = [...this.classes.values()];
    const imbalanceRatio = counts.length >= 2 ? Math.max(...counts) / Math.min(...counts) : 1;
    const median = this.medianShortSide();
    const unusualModes: UnusualMode[] = [...this.modes].map(([kind, m]) => ({ kind, count: m.count, examples: m.examples, conversion: CONVERSIONS[kind] }));
    const leakageCount = duplicates.filter((d) => d.leakage).length;
    const suggestedResolution = suggestResolution(median);
    const notes: string[] = [];
    notes.push(`${this.readable} of ${this.total} images decode`);
    if (this.problems.length) notes.push(`${this.problems.length} problem${this.problems.length === 1 ? '' : 's'} (unreadable, corrupt or unusable files)`);
    if (duplicates.length) notes.push(`${duplicates.length} group${duplicates.length === 1 ? '' : 's'} of identical files`);
    if (leakageCount) notes.push(`${leakageCount} identical file${leakageCount === 1 ? '' : 's'} appear in more than one role (e.g. labeled and test): label leakage, remove them`);
    const conflicting = duplicates.filter((d) => d.labels.length > 1).length;
    if (conflicting) notes.push(`${conflicting} identical file${conflicting === 1 ? '' : 's'} carry different labels`);
    if (counts.length >= 2 && imbalanceRatio >= 3) notes.push(`classes are imbalanced (largest/smallest = ${imbalanceRatio.toFixed(1)}): consider the class-balanced sampler`);
    if (this.small.count) notes.push(`${this.small.count} image${this.small.count === 1 ? '' : 's'} smaller than ${this.smallThreshold} px on the short side`);
    for (const m of unusualModes) notes.push(`${m.count} ${m.kind} image${m.count === 1 ? '' : 's'}: ${m.conversion}`);
    if (this.readable) notes.push(`median short side ${median} px: suggested training resolution ${suggestedResolution}×${suggestedResolution}`);
    return {
      total: this.total,
      readable: this.readable,
      problems: this.problems,
      duplicates,
      leakageCount,
      classes,
      imbalanceRatio,
      byRole: Object.fromEntries(this.byRole),
      smallImages: { threshold: this.smallThreshold, count: this.small.count, examples: this.small.examples },
      unusualModes,
      size: { minSide: this.readable ? this.minSide : 0, medianShortSide: median, maxSide: this.maxSide },
      suggestedResolution,
      notes,
    };
  }
}

/** Builds the report of a finished list of records. */
export function healthReport(records: Iterable<ImageRecord>, smallThreshold = 32): HealthReport {
  const acc = new HealthAccumulator(smallThreshold);
  for (const r of records) acc.add(r);
  return acc.report();
}
