/**
 * Order statistics used by the beacon scorers. Inputs are sorted ascending (callers sort once and
 * reuse the array). Quartiles follow the "median of halves" method (the middle element excluded
 * for odd n), which is what RITA's statistics library uses, so the RITA-method scorer reproduces
 * its numbers.
 */

/** Median of sorted[from, to). */
export function medianOfSorted(sorted: ArrayLike<number>, from = 0, to = sorted.length): number {
  const n = to - from;
  if (n <= 0) return Number.NaN;
  const mid = from + (n >> 1);
  return n % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export interface Quartiles {
  q1: number;
  q2: number;
  q3: number;
}

/** Quartiles of a sorted array of at least 3 values (median of the lower and upper halves). */
export function quartilesOfSorted(sorted: ArrayLike<number>, n = sorted.length): Quartiles {
  const half = n >> 1;
  const upperFrom = n % 2 === 1 ? half + 1 : half;
  return { q1: medianOfSorted(sorted, 0, half), q2: medianOfSorted(sorted, 0, n), q3: medianOfSorted(sorted, upperFrom, n) };
}

/** Median absolute deviation about the median (unscaled). `scratch` must hold n values. */
export function madOfSorted(sorted: ArrayLike<number>, n: number, scratch: Float64Array): number {
  const m = medianOfSorted(sorted, 0, n);
  for (let i = 0; i < n; i++) scratch[i] = Math.abs(sorted[i] - m);
  const dev = scratch.subarray(0, n).sort();
  return medianOfSorted(dev, 0, n);
}

/** Sorts the first n values of a typed array in place and returns the sorted view. */
export function sortPrefix(values: Float64Array, n: number): Float64Array {
  return values.subarray(0, n).sort();
}

export function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : Number.isNaN(x) ? 0 : x;
}
