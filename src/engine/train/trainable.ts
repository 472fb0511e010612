/**
 * Choosing what trains: turns named parameters and their roles into the optimiser's list,
 * with weight decay off for norms and biases, and the HPT-BN selection (BN γ/β only).
 */
import type { ParamRole, ParamSpec, Params } from '../models/types';
import type { TrainableVar } from './optimizers';

const NEVER_TRAINED: ParamRole[] = ['running-mean', 'running-var'];
const NO_DECAY: ParamRole[] = ['norm-scale', 'norm-shift', 'bias'];

/** Options for `selectTrainable`. */
export interface SelectOptions {
  /** prefix of the names in the returned list, e.g. `online.backbone.` */
  prefix?: string;
  /** keep only these roles (default: every trainable role) */
  roles?: ParamRole[];
  /** exclude norms and biases from weight decay (default true) */
  excludeNormAndBiasFromDecay?: boolean;
  lrScale?: number;
}

/**
 * The trainable variables of a parameter set: every variable except BN running statistics
 * (and except variables created with trainable = false), filtered by role.
 */
export function selectTrainable(params: Params, specs: ParamSpec[], o: SelectOptions = {}): TrainableVar[] {
  const roles = new Map(specs.map((s) => [s.name, s.role]));
  const out: TrainableVar[] = [];
  for (const [name, variable] of params) {
    const role = roles.get(name) ?? 'other';
    if (NEVER_TRAINED.includes(role) || !variable.trainable) continue;
    if (o.roles && !o.roles.includes(role)) continue;
    const decay = !(o.excludeNormAndBiasFromDecay ?? true) || !NO_DECAY.includes(role);
    out.push({ name: (o.prefix ?? '') + name, variable, decay, lrScale: o.lrScale });
  }
  return out;
}

/** HPT-BN: only the BN/GN/LN scale and shift of a backbone train (Reed et al., HPT, sec. 3). */
export function selectNormAffine(params: Params, specs: ParamSpec[], prefix = ''): TrainableVar[] {
  return selectTrainable(params, specs, { prefix, roles: ['norm-scale', 'norm-shift'] });
}
