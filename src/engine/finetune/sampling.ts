/**
 * Unbalanced data: class weights for the loss (scikit-learn's 'balanced': n / (K · count)),
 * and a seeded class-balanced sampler that draws each epoch's images with probability
 * proportional to 1 / count(class).
 */
import { SeededRandom } from '../train/seed';

/** Number of images per class. */
export function classCounts(labels: ArrayLike<number>, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (!Number.isInteger(y) || y < 0 || y >= numClasses) throw new Error(`labels[${i}] = ${y} is not a class in [0, ${numClasses})`);
    counts[y]++;
  }
  return counts;
}

/** 'balanced' class weights n / (K · count); a class without images gets weight 0. */
export function balancedClassWeights(labels: ArrayLike<number>, numClasses: number): number[] {
  const counts = classCounts(labels, numClasses);
  const n = labels.length;
  return counts.map((c) => (c > 0 ? n / (numClasses * c) : 0));
}

/** A shuffled epoch: every index once (seeded). */
export function shuffledEpoch(n: number, rng: SeededRandom): number[] {
  return rng.permutation(n);
}

/**
 * A class-balanced epoch of `n` indices drawn with replacement, each class equally likely
 * (present classes only), then a uniform image within the class.
 */
export function balancedEpoch(labels: ArrayLike<number>, numClasses: number, rng: SeededRandom, n = labels.length): number[] {
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < labels.length; i++) byClass[labels[i]].push(i);
  const present = byClass.filter((c) => c.length > 0);
  if (present.length === 0) throw new Error('balanced sampler: no labeled images');
  return Array.from({ length: n }, () => {
    const members = present[rng.int(present.length)];
    return members[rng.int(members.length)];
  });
}
