/** Checks of method settings, with errors naming the method and the key. */

/** Throws unless `value` is a finite number within [min, max] (exclusive bounds when asked), integer if asked. */
export function checkSetting(
  method: string,
  key: string,
  value: unknown,
  o: { min?: number; max?: number; minExclusive?: boolean; integer?: boolean } = {},
): void {
  const bad = (why: string) => new Error(`${method}: setting '${key}' ${why} (got ${JSON.stringify(value)})`);
  if (typeof value !== 'number' || !Number.isFinite(value)) throw bad('must be a finite number');
  if (o.integer && !Number.isInteger(value)) throw bad('must be an integer');
  if (o.min !== undefined && (o.minExclusive ? value <= o.min : value < o.min)) throw bad(`must be ${o.minExclusive ? '>' : '≥'} ${o.min}`);
  if (o.max !== undefined && value > o.max) throw bad(`must be ≤ ${o.max}`);
}

/** Checks a projector/predictor size. */
export function checkMlp(method: string, key: string, mlp: { hidden: number; out: number; norm: string } | undefined): void {
  if (!mlp || typeof mlp !== 'object') throw new Error(`${method}: setting '${key}' must be {hidden, out, norm}`);
  checkSetting(method, `${key}.hidden`, mlp.hidden, { min: 1, integer: true });
  checkSetting(method, `${key}.out`, mlp.out, { min: 1, integer: true });
  if (!['batch', 'layer', 'none'].includes(mlp.norm)) throw new Error(`${method}: setting '${key}.norm' must be batch, layer or none (got ${JSON.stringify(mlp.norm)})`);
}

/** Checks the backbone-training choice. */
export function checkBackboneTraining(method: string, value: unknown): void {
  if (!['all', 'norm-only', 'none'].includes(value as string)) {
    throw new Error(`${method}: setting 'backboneTraining' must be all, norm-only or none (got ${JSON.stringify(value)})`);
  }
}
