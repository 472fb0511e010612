/**
 * Optimisers over named variables (SGD with momentum, LARS, Adam, AdamW), written here rather
 * than taken from tfjs so their state is a plain named map that checkpoints and resumes exactly.
 */
import * as tf from '@tensorflow/tfjs-core';
import { restoreInto, serializeMap, type SerializedTensors } from './tensor-state';

/** One variable the optimiser updates. */
export interface TrainableVar {
  /** stable checkpoint name, e.g. `online.backbone.layer1.0.conv1.weight` */
  name: string;
  variable: tf.Variable;
  /** false for norms and biases: no weight decay, and no LARS adaptation */
  decay: boolean;
  /** multiplies the learning rate for this variable (default 1) */
  lrScale?: number;
}

/** Optimiser settings; all fields have PyTorch-like defaults. */
export interface OptimizerConfig {
  kind: 'sgd' | 'lars' | 'adam' | 'adamw';
  /** SGD/LARS momentum (default 0.9) */
  momentum?: number;
  nesterov?: boolean;
  /** L2 penalty (SGD, LARS, Adam) or decoupled decay (AdamW); default 0 */
  weightDecay?: number;
  /** LARS trust coefficient η (default 0.001, You et al. 2017) */
  trustCoefficient?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** The optimiser's complete state as plain data. */
export interface OptimizerState {
  config: OptimizerConfig;
  step: number;
  slots: SerializedTensors;
}

/** An optimiser whose slots are keyed `<variable name>/<slot>`. */
export class NamedOptimizer {
  readonly config: Required<OptimizerConfig>;
  private slots = new Map<string, tf.Variable>();
  /** variables whose momentum buffer has been written at least once */
  private history = new Set<string>();
  /** number of `apply` calls so far (Adam's bias correction uses it) */
  step = 0;

  constructor(config: OptimizerConfig) {
    if (!['sgd', 'lars', 'adam', 'adamw'].includes(config.kind)) throw new Error(`optimizer: unknown kind '${String(config.kind)}'`);
    this.config = {
      kind: config.kind,
      momentum: config.momentum ?? 0.9,
      nesterov: config.nesterov ?? false,
      weightDecay: config.weightDecay ?? 0,
      trustCoefficient: config.trustCoefficient ?? 0.001,
      beta1: config.beta1 ?? 0.9,
      beta2: config.beta2 ?? 0.999,
      epsilon: config.epsilon ?? 1e-8,
    };
  }

  /** Updates every variable that has a gradient; variables without one are left alone. */
  apply(vars: TrainableVar[], grads: Map<string, tf.Tensor>, lr: number): void {
    if (!Number.isFinite(lr)) throw new Error(`optimizer: learning rate is ${lr}`);
    this.step++;
    for (const v of vars) {
      const g = grads.get(v.name);
      if (!g) continue;
      if (g.shape.length !== v.variable.shape.length || g.size !== v.variable.size) {
        throw new Error(`optimizer: gradient of '${v.name}' has shape [${g.shape}], variable has [${v.variable.shape}]`);
      }
      tf.tidy(() => this.update(v, g, lr * (v.lrScale ?? 1)));
    }
  }

  private slot(name: string, kind: string, like: tf.Variable): tf.Variable {
    const key = `${name}/${kind}`;
    let s = this.slots.get(key);
    if (!s) {
      s = tf.variable(tf.zerosLike(like), false);
      this.slots.set(key, s);
    }
    return s;
  }

  private update(v: TrainableVar, g: tf.Tensor, lr: number): void {
    const c = this.config;
    const w = v.variable;
    const wd = v.decay ? c.weightDecay : 0;
    if (c.kind === 'sgd' || c.kind === 'lars') {
      let d = wd > 0 ? tf.add(g, tf.mul(wd, w)) : g;
      if (c.kind === 'lars' && v.decay) {
        // trust ratio η‖w‖/‖d‖, 1 when either norm is 0 (You et al., LARS, 2017)
        const wn = tf.norm(w);
        const dn = tf.norm(d);
        const ratio = tf.where(tf.logicalAnd(tf.greater(wn, 0), tf.greater(dn, 0)), tf.div(tf.mul(c.trustCoefficient, wn), dn), tf.onesLike(wn));
        d = tf.mul(d, ratio);
      }
      let upd = d;
      if (c.momentum > 0) {
        const buf = this.slot(v.name, 'momentum', w);
        const fresh = !this.history.has(v.name);
        // PyTorch convention: the first buffer is the gradient itself
        const next = fresh ? d : tf.add(tf.mul(c.momentum, buf), d);
        buf.assign(next);
        this.history.add(v.name);
        upd = c.nesterov ? tf.add(d, tf.mul(c.momentum, next)) : next;
      }
      w.assign(tf.sub(w, tf.mul(lr, upd)));
      return;
    }
    // Adam / AdamW (Kingma & Ba 2015; Loshchilov & Hutter 2019)
    let grad = g;
    if (c.kind === 'adam' && wd > 0) grad = tf.add(g, tf.mul(wd, w));
    const m = this.slot(v.name, 'm', w);
    const s = this.slot(v.name, 'v', w);
    m.assign(tf.add(tf.mul(c.beta1, m), tf.mul(1 - c.beta1, grad)));
    s.assign(tf.add(tf.mul(c.beta2, s), tf.mul(1 - c.beta2, tf.square(grad))));
    const t = this.step;
    const mHat = tf.div(m, 1 - Math.pow(c.beta1, t));
    const vHat = tf.div(s, 1 - Math.pow(c.beta2, t));
    let next = tf.sub(w, tf.mul(lr, tf.div(mHat, tf.add(tf.sqrt(vHat), c.epsilon))));
    if (c.kind === 'adamw' && wd > 0) next = tf.sub(next, tf.mul(lr * wd, w));
    w.assign(next);
  }

  /** The full state as plain data (slots read back asynchronously into Float32Arrays). */
  async exportState(): Promise<OptimizerState> {
    const config = { ...this.config };
    const step = this.step;
    return { config, step, slots: await serializeMap(this.slots) };
  }

  /**
   * Restores a state saved by `exportState` for the same variables. Slots are created from
   * the saved shapes; a config mismatch in kind is an error.
   */
  importState(state: OptimizerState): void {
    if (state.config.kind !== this.config.kind) {
      throw new Error(`optimizer: saved state is for '${state.config.kind}', this optimizer is '${this.config.kind}'`);
    }
    this.dispose();
    for (const [key, s] of Object.entries(state.slots)) {
      if (!this.slots.has(key)) this.slots.set(key, tf.tidy(() => tf.variable(tf.zeros(s.shape), false)));
    }
    restoreInto(this.slots, state.slots, 'optimizer state');
    this.step = state.step;
    this.history = new Set(Object.keys(state.slots).filter((k) => k.endsWith('/momentum')).map((k) => k.slice(0, -'/momentum'.length)));
  }

  /** Frees every slot. */
  dispose(): void {
    for (const s of this.slots.values()) s.dispose();
    this.slots.clear();
    this.history.clear();
  }
}
