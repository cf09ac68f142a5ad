/**
 * The hand-written fast path for the hot entry types must never accept what the zod schemas
 * refuse, and where it accepts it must give the schema's data and the same canonical text.
 * Property-style: random valid entries and random single mutations of them, against the schema.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { canonicalJson, canonicalJsonOfValidated } from '../../src/core/transparency/canonical-json.js';
import { fastEntry } from '../../src/core/transparency/log-entry-fast-path.js';
import { encodeLogEntry, logEntryInputSchema, logEntrySchema, LOG_ENTRY_VERSION } from '../../src/core/transparency/log-entry.js';
import { prng } from '../../src/demo/synthetic-flows.js';

const NOW = '2026-11-01T09:00:00.000Z';
type Obj = Record<string, unknown>;

const rnd = prng(20261122);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
const int = (n: number) => Math.floor(rnd() * n);

const IDS = ['APR-2026-1', 'a', 'Z9._:/@+-x', 'c2-list', '7', '0', 'x'.repeat(128)];
const TOKENS = ['foreign-foreign', 'a', 'cyber-office-analyst', 'x'.repeat(64)];
const TEXTS = ['trace C&C servers', 'サイバー通信情報監理委員会', 'emoji \ud83d\ude00 ok', 'quote " and \\ backslash', 'x'];
const TIMES = ['2026-11-01T00:00:00.000Z', '2026-11-01T00:01:00.000Z', '1999-12-31T23:59:59.999Z'];
/** Values that break some member's rule, or are borderline. */
const ODD: unknown[] = [
  undefined, null, '', ' ', 'has space', 'line\nbreak', 'tab\t', 'del\u007f', 'c1\u0085', 'lone \ud800', 'lone \udc00 low', 'x'.repeat(129), 'x'.repeat(501),
  'X-Upper', '-lead', 'ABC', 'g'.repeat(64), 'f'.repeat(63), 'F'.repeat(64), '2026-11-01T00:00:00Z', '2026-11-01 00:00:00.000Z',
  -1, 0, -0, 1.5, 2 ** 53, Number.MAX_SAFE_INTEGER, NaN, Infinity, '5', true, [], {}, Object.create(null), new Date(0), new String('a'), [1],
];

function hash64(): string {
  return Array.from({ length: 64 }, () => '0123456789abcdef'[int(16)]).join('');
}

function attestation(): Obj {
  const erased = int(1_000_000);
  const selected = int(1000);
  const dd = int(erased + 1);
  const perCriterion: Obj = {};
  for (let k = int(4); k > 0; k--) perCriterion[pick(IDS)] = int(100);
  const [a, b] = [pick(TIMES), pick(TIMES)].sort();
  return {
    type: 'selection-attestation',
    channel: pick(TOKENS),
    approvalId: pick(IDS),
    criteriaHash: hash64(),
    ...(rnd() < 0.5 ? { sourceId: pick(IDS) } : {}),
    windowStart: a,
    windowEnd: b,
    counts: { in: selected + erased, selected, erased, domesticDomestic: dd, outOfScope: int(erased - dd + 1), perCriterion },
    softwareVersion: pick(IDS),
    ...(rnd() < 0.3 ? { at: pick(TIMES) } : {}),
  };
}

function access(): Obj {
  return {
    type: 'selected-data-access',
    actor: { who: pick(IDS), role: pick(TOKENS), organisation: pick(TEXTS) },
    purpose: pick(TEXTS),
    ...(rnd() < 0.5 ? { basisId: pick(IDS) } : {}),
    query: pick(TEXTS) + ' AND dst = 203.0.113.' + int(256),
    resultCount: int(10_000),
    ...(rnd() < 0.3 ? { at: pick(TIMES) } : {}),
  };
}

const DECISIONS = ['approved', 'rejected', 'revoked', 'amended', 'notified-after-action'];

function decision(): Obj {
  return {
    type: 'approval-decision',
    approvalId: pick(IDS),
    subject: pick(TOKENS),
    decision: pick(DECISIONS),
    decidedBy: { who: pick(IDS), role: pick(TOKENS), organisation: pick(TEXTS) },
    ...(rnd() < 0.5 ? { criteriaHash: hash64() } : {}),
    ...(rnd() < 0.5 ? { validFrom: pick(TIMES) } : {}),
    ...(rnd() < 0.5 ? { validUntil: pick(TIMES) } : {}),
    ...(rnd() < 0.5 ? { reason: pick(TEXTS) } : {}),
    ...(rnd() < 0.3 ? { at: pick(TIMES) } : {}),
  };
}

function transition(): Obj {
  return {
    type: 'case-transition',
    caseId: pick(IDS),
    from: pick(TOKENS),
    to: pick(TOKENS),
    actor: { who: pick(IDS), role: pick(TOKENS), organisation: pick(TEXTS) },
    ...(rnd() < 0.5 ? { reason: pick(TEXTS) } : {}),
    ...(rnd() < 0.3 ? { at: pick(TIMES) } : {}),
  };
}

/** One of the four hot types, in turn. */
function hot(i: number): Obj {
  return [attestation, access, decision, transition][i % 4]();
}

/** Paths to every member, nested ones included. */
function paths(o: Obj, prefix: string[] = []): string[][] {
  return Object.entries(o).flatMap(([k, v]) => {
    const here = [...prefix, k];
    return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype ? [here, ...paths(v as Obj, here)] : [here];
  });
}

/** One random change: set a member to an odd value, delete it, add an unknown one, or break a sum. */
function mutate(o: Obj): Obj {
  const copy = structuredClone(o);
  const ps = paths(copy);
  const path = pick(ps);
  const parent = path.slice(0, -1).reduce((x, k) => x[k] as Obj, copy);
  const key = path[path.length - 1];
  switch (int(5)) {
    case 0:
      delete parent[key];
      break;
    case 1:
      parent[pick(['payload', 'extra', '__proto__', 'v', 'seq', key.toUpperCase()])] = pick(['x', 1, {}]);
      break;
    case 2:
      if (typeof parent[key] === 'number') parent[key] = (parent[key] as number) + pick([1, -1]);
      else parent[key] = pick(ODD);
      break;
    default:
      parent[key] = pick(ODD);
  }
  return copy;
}

function checkInput(input: Obj, seq: number): 'fast' | 'zod-accepts' | 'refused' {
  const fast = fastEntry(input, false, LOG_ENTRY_VERSION, seq, NOW);
  const r = logEntryInputSchema.safeParse(input);
  if (!r.success) {
    assert.equal(fast, undefined, `fast path accepted what zod refuses: ${inspect(input)}`);
    return 'refused';
  }
  if (!fast) return 'zod-accepts';
  const expected = { ...(r.data as Obj), v: LOG_ENTRY_VERSION, seq, at: (r.data as Obj).at ?? NOW };
  assert.deepStrictEqual(fast.entry, expected);
  assert.equal(fast.text, canonicalJsonOfValidated(expected));
  assert.equal(fast.text, canonicalJson(expected));
  return 'fast';
}

test('fast path = zod on random valid hot entries: accepted, same data, same canonical text', () => {
  for (let i = 0; i < 4000; i++) {
    const input = hot(i);
    assert.equal(checkInput(input, i), 'fast', inspect(input));
  }
});

test('fast path never accepts a mutated entry that zod refuses (property test, 40,000 mutations)', () => {
  const seen = { fast: 0, 'zod-accepts': 0, refused: 0 };
  for (let i = 0; i < 40_000; i++) {
    let input = hot(i);
    for (let m = 1 + int(2); m > 0; m--) input = mutate(input);
    seen[checkInput(input, i)]++;
  }
  // The mutations must exercise both sides, or the test proves nothing.
  assert.ok(seen.refused > 20_000, JSON.stringify(seen));
  assert.ok(seen.fast > 1000, JSON.stringify(seen));
});

test('stored entries: the fast decode agrees with the stored schema on valid and mutated entries', () => {
  let fastCount = 0;
  for (let i = 0; i < 8000; i++) {
    const { text } = encodeLogEntry(hot(i) as never, i, NOW);
    let value = JSON.parse(text) as Obj;
    if (i % 3 !== 0) value = mutate(value);
    const fast = fastEntry(value, true, LOG_ENTRY_VERSION);
    const r = logEntrySchema.safeParse(value);
    if (!r.success) assert.equal(fast, undefined, inspect(value));
    else if (fast) {
      fastCount++;
      assert.deepStrictEqual(fast.entry, r.data);
      assert.equal(fast.text, canonicalJson(r.data));
    }
  }
  assert.ok(fastCount >= 2600, String(fastCount));
});

test('refusals keep the schema messages: an invalid hot entry is reported by zod', () => {
  assert.throws(
    () => encodeLogEntry({ ...access(), resultCount: -1 } as never, 0, NOW),
    (e: Error & { issues?: string[] }) => (e.issues ?? []).some((m) => m.startsWith('resultCount:')),
  );
  assert.throws(
    () => encodeLogEntry({ ...attestation(), counts: { in: 3, selected: 1, erased: 1, domesticDomestic: 0, outOfScope: 0, perCriterion: {} } } as never, 0, NOW),
    /in must equal selected \+ erased/,
  );
});
