/** Unbalanced data: class weights for the loss (scikit-learn's 'balanced': n / (K · count)). */

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
