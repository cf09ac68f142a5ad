/**
 * Turns a list of inclusive address ranges, which may nest or overlap, into a partition of the
 * whole address space: sorted starts, each with the value that holds up to the next start.
 * Value 0 means "no row covers this address" (unallocated or absent from the data).
 *
 * The ip-location-db files are not a clean partition: a wider row can contain narrower rows with
 * another country (6,825 rows of geo-whois-asn-country-ipv4 2.3.2026061719 start inside an
 * earlier row, 703 of ipv6; asn-ipv4 has one partial overlap). The rule, documented in docs/reference/classification.md:
 * at each address the covering row with the greatest start wins, then the one with the
 * smallest end, then the one later in the file. For nested rows that is the most specific row,
 * which is what a longest-prefix match would pick.
 */

/** One data row: an inclusive range and its value (≥ 1). */
export interface RangeRow<K extends number | bigint> {
  start: K;
  end: K;
  value: number;
}

/** Sorted, gap-free cover of [0, max]: `values[i]` holds on [starts[i], starts[i+1]). starts[0] is 0. */
export interface Partition<K extends number | bigint> {
  starts: K[];
  values: number[];
}

/** Successor of a key, in its own numeric type (number for IPv4, bigint for IPv6). */
export type Successor<K extends number | bigint> = (k: K) => K;

export const nextNumber: Successor<number> = (k) => k + 1;
export const nextBigint: Successor<bigint> = (k) => k + 1n;

/** Flattens rows (any order) into a partition starting at `zero`, using the rule above. */
export function flattenRanges<K extends number | bigint>(rows: readonly RangeRow<K>[], zero: K, next: Successor<K>): Partition<K> {
  // Stable sort: equal (start, end) rows keep their file order, so the later one is pushed later and wins.
  const sorted = rows.slice().sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.end > b.end ? -1 : a.end < b.end ? 1 : 0));
  const starts: K[] = [];
  const values: number[] = [];
  const emit = (at: K, value: number): void => {
    if (values.length > 0 && values[values.length - 1] === value) return;
    starts.push(at);
    values.push(value);
  };
  // Rows whose start ≤ cursor, pushed in sorted order; the top row still covering the cursor is
  // the winner there (every row pushed above it has ended).
  const stack: RangeRow<K>[] = [];
  let cursor = zero; // first address not yet emitted
  const fillUntil = (limit: K | undefined): void => {
    while (limit === undefined || cursor < limit) {
      while (stack.length > 0 && stack[stack.length - 1].end < cursor) stack.pop();
      if (stack.length === 0) {
        if (limit === undefined) return;
        emit(cursor, 0);
        cursor = limit;
        return;
      }
      const top = stack[stack.length - 1];
      emit(cursor, top.value);
      if (limit !== undefined && !(top.end < limit)) {
        cursor = limit;
        return;
      }
      cursor = next(top.end);
    }
  };
  for (const row of sorted) {
    if (row.end < row.start) throw new RangeError('range end before start');
    fillUntil(row.start);
    stack.push(row);
  }
  fillUntil(undefined);
  // Whatever lies beyond the last covered address has no data. The caller's space ends at its
  // own maximum; a trailing start past it (max + 1) is dropped by the table builders.
  emit(cursor, 0);
  return { starts, values };
}
