import type { FlowClassifier } from '../../src/core/classify/flow-direction.js';

/**
 * Addresses of a side (domestic/foreign), found through the classifier over the geo data the code
 * under test uses — never chosen from memory. Deterministic for a seed.
 */
export function pickAddresses(classifier: FlowClassifier, side: 'domestic' | 'foreign', n: number, seed: number): string[] {
  const out: string[] = [];
  let x = seed >>> 0;
  const next = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0);
  while (out.length < n) {
    const addr = `${1 + (next() % 222)}.${next() % 256}.${next() % 256}.${3 + 2 * (next() % 120)}`;
    const c = classifier.classifyAddress(addr);
    if (c.side === side && c.special === undefined && !out.includes(addr)) out.push(addr);
  }
  return out;
}
