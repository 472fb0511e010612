/**
 * Checkpoint helpers shared by the methods: variables of several named groups (online,
 * target, queue ...) flattened under prefixes, and restored with name and shape checks.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Params } from '../models/types';
import { restoreInto, serializeMap, type SerializedTensors } from '../train/tensor-state';
import type { MethodState } from './method';

/** Flattens groups { online: Params, target: Params } into `online.<name>` ... */
export function flattenGroups(groups: Record<string, Map<string, tf.Variable>>): Map<string, tf.Variable> {
  const flat = new Map<string, tf.Variable>();
  for (const [prefix, params] of Object.entries(groups)) for (const [k, v] of params) flat.set(`${prefix}.${k}`, v);
  return flat;
}

/** A method state from variable groups and meta numbers (the meta is copied before the tensors are read back). */
export async function exportGroups(method: string, groups: Record<string, Params>, meta: Record<string, number> = {}): Promise<MethodState> {
  const copy = { ...meta };
  const tensors: SerializedTensors = await serializeMap(flattenGroups(groups));
  return { method, tensors, meta: copy };
}

/** Restores variable groups from a method state, checking the method name. */
export function importGroups(method: string, state: MethodState, groups: Record<string, Params>): void {
  if (state.method !== method) throw new Error(`cannot restore a '${state.method}' state into a '${method}' method`);
  restoreInto(flattenGroups(groups), state.tensors, `${method} state`);
}
