/**
 * Hand-written validation and RFC 8785 serialization for the entry types that make up nearly
 * all of the log: selection attestations (one per selection batch, Act Art. 22), selected-data
 * accesses (one per read, Act Art. 23), approval decisions and case transitions. The zod schemas in log-entry.ts stay the
 * definition; this is a shortcut that must never accept what they refuse.
 *
 * The rule that keeps it safe: `fastEntry` returns an entry only when it is certain the schema
 * accepts the value and would produce the same data; for anything else (an unknown member, an
 * undefined optional, a class instance, any doubt) it returns undefined and the caller runs the
 * zod schema, which then accepts or refuses with its own messages. A refusal therefore always
 * comes from zod, and the fast path may be as conservative as it likes.
 * test/transparency/log-entry-fast-path.test.ts checks the equivalence on valid and mutated
 * samples. The patterns below are the schema's own, character for character.
 */

const ID = /^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}$/;
const TOKEN = /^[a-z][a-z0-9-]{0,63}$/;
const TEXT = /^[^\p{Cc}\p{Cs}]*$/u;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

type Obj = Record<string, unknown>;

export interface FastEntry {
  /** A fresh object holding exactly the validated members (the envelope included when stored). */
  entry: Obj;
  /** Its canonical JSON (RFC 8785). */
  text: string;
}

/**
 * The validated entry and its canonical text, or undefined to let the schema decide.
 * With `stored`, the value must carry the stored envelope (v, seq, at), as decodeLogEntry
 * reads it; otherwise the input envelope (at optional), completed with `seq` and `now`.
 */
export function fastEntry(value: unknown, stored: false, version: number, seq: number, now: string): FastEntry | undefined;
export function fastEntry(value: unknown, stored: true, version: number): FastEntry | undefined;
export function fastEntry(value: unknown, stored: boolean, version: number, seq?: number, now?: string): FastEntry | undefined {
  if (!isPlain(value)) return undefined;
  const v = value as Obj;
  let at: string;
  let envelope = 0;
  if (stored) {
    if (v.v !== version || !isCount(v.seq) || !isTimestamp(v.at)) return undefined;
    seq = v.seq as number;
    at = v.at as string;
    envelope = 3;
  } else {
    if (v.at === undefined) {
      if ('at' in v) return undefined;
      at = now as string;
    } else {
      if (!isTimestamp(v.at)) return undefined;
      at = v.at;
      envelope = 1;
    }
  }
  switch (v.type) {
    case 'selection-attestation':
      return selectionAttestation(v, envelope, version, seq as number, at);
    case 'selected-data-access':
      return selectedDataAccess(v, envelope, version, seq as number, at);
    case 'approval-decision':
      return approvalDecision(v, envelope, version, seq as number, at);
    case 'case-transition':
      return caseTransition(v, envelope, version, seq as number, at);
    default:
      return undefined;
  }
}

function selectionAttestation(v: Obj, envelope: number, version: number, seq: number, at: string): FastEntry | undefined {
  const { channel, approvalId, criteriaHash, sourceId, windowStart, windowEnd, counts, softwareVersion } = v;
  const hasSource = sourceId !== undefined;
  if (!hasSource && 'sourceId' in v) return undefined;
  if (Object.keys(v).length !== 8 + (hasSource ? 1 : 0) + envelope) return undefined;
  if (!isToken(channel) || !isId(approvalId) || !isSha256(criteriaHash) || (hasSource && !isId(sourceId))) return undefined;
  if (!isTimestamp(windowStart) || !isTimestamp(windowEnd) || !isId(softwareVersion)) return undefined;
  if (!isPlain(counts)) return undefined;
  const c = counts as Obj;
  if (Object.keys(c).length !== 6) return undefined;
  const { in: n, selected, erased, domesticDomestic, outOfScope, perCriterion } = c;
  if (!isCount(n) || !isCount(selected) || !isCount(erased) || !isCount(domesticDomestic) || !isCount(outOfScope)) return undefined;
  if (selected + erased !== n || domesticDomestic + outOfScope > erased) return undefined;
  if (!isPlain(perCriterion) || Object.getOwnPropertySymbols(perCriterion).length > 0) return undefined;
  const pc: Obj = {};
  let pcText = '{';
  const keys = Object.keys(perCriterion as Obj).sort();
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const count = (perCriterion as Obj)[k];
    if (!ID.test(k) || !isCount(count)) return undefined;
    pc[k] = count;
    pcText += `${i > 0 ? ',' : ''}${JSON.stringify(k)}:${count}`;
  }
  pcText += '}';
  if (windowStart > windowEnd) return undefined;
  const entry: Obj = {
    type: 'selection-attestation',
    channel,
    approvalId,
    criteriaHash,
    ...(hasSource ? { sourceId } : {}),
    windowStart,
    windowEnd,
    counts: { in: n, selected, erased, domesticDomestic, outOfScope, perCriterion: pc },
    softwareVersion,
    at,
    v: version,
    seq,
  };
  // Members in RFC 8785 order (UTF-16 code units): approvalId, at, channel, counts {…}, criteriaHash, seq, softwareVersion, sourceId, type, v, windowEnd, windowStart.
  const text =
    `{"approvalId":${JSON.stringify(approvalId)},"at":${JSON.stringify(at)},"channel":${JSON.stringify(channel)},` +
    `"counts":{"domesticDomestic":${domesticDomestic},"erased":${erased},"in":${n},"outOfScope":${outOfScope},"perCriterion":${pcText},"selected":${selected}},` +
    `"criteriaHash":${JSON.stringify(criteriaHash)},"seq":${seq},"softwareVersion":${JSON.stringify(softwareVersion)},` +
    `${hasSource ? `"sourceId":${JSON.stringify(sourceId)},` : ''}"type":"selection-attestation","v":${version},` +
    `"windowEnd":${JSON.stringify(windowEnd)},"windowStart":${JSON.stringify(windowStart)}}`;
  return { entry, text };
}

function selectedDataAccess(v: Obj, envelope: number, version: number, seq: number, at: string): FastEntry | undefined {
  const { actor, purpose, basisId, query, resultCount } = v;
  const hasBasis = basisId !== undefined;
  if (!hasBasis && 'basisId' in v) return undefined;
  if (Object.keys(v).length !== 5 + (hasBasis ? 1 : 0) + envelope) return undefined;
  if (!isText(purpose, 500) || (hasBasis && !isId(basisId)) || !isText(query, 4000) || !isCount(resultCount)) return undefined;
  if (!isPlain(actor)) return undefined;
  const a = actor as Obj;
  if (Object.keys(a).length !== 3) return undefined;
  const { who, role, organisation } = a;
  if (!isId(who) || !isToken(role) || !isText(organisation, 200)) return undefined;
  const entry: Obj = {
    type: 'selected-data-access',
    actor: { who, role, organisation },
    purpose,
    ...(hasBasis ? { basisId } : {}),
    query,
    resultCount,
    at,
    v: version,
    seq,
  };
  // RFC 8785 order: actor {organisation, role, who}, at, basisId, purpose, query, resultCount, seq, type, v.
  const text =
    `{"actor":{"organisation":${JSON.stringify(organisation)},"role":${JSON.stringify(role)},"who":${JSON.stringify(who)}},` +
    `"at":${JSON.stringify(at)},${hasBasis ? `"basisId":${JSON.stringify(basisId)},` : ''}"purpose":${JSON.stringify(purpose)},` +
    `"query":${JSON.stringify(query)},"resultCount":${resultCount},"seq":${seq},"type":"selected-data-access","v":${version}}`;
  return { entry, text };
}

const DECISIONS: ReadonlySet<unknown> = new Set(['approved', 'rejected', 'revoked', 'amended', 'notified-after-action']);

function approvalDecision(v: Obj, envelope: number, version: number, seq: number, at: string): FastEntry | undefined {
  const { approvalId, subject, decision, decidedBy, criteriaHash, validFrom, validUntil, reason } = v;
  const hasHash = criteriaHash !== undefined;
  const hasFrom = validFrom !== undefined;
  const hasUntil = validUntil !== undefined;
  const hasReason = reason !== undefined;
  if ((!hasHash && 'criteriaHash' in v) || (!hasFrom && 'validFrom' in v) || (!hasUntil && 'validUntil' in v) || (!hasReason && 'reason' in v)) return undefined;
  if (Object.keys(v).length !== 5 + Number(hasHash) + Number(hasFrom) + Number(hasUntil) + Number(hasReason) + envelope) return undefined;
  if (!isId(approvalId) || !isToken(subject) || !DECISIONS.has(decision)) return undefined;
  if ((hasHash && !isSha256(criteriaHash)) || (hasFrom && !isTimestamp(validFrom)) || (hasUntil && !isTimestamp(validUntil)) || (hasReason && !isText(reason, 500))) return undefined;
  const actor = fastActor(decidedBy);
  if (!actor) return undefined;
  const entry: Obj = {
    type: 'approval-decision',
    approvalId,
    subject,
    decision,
    decidedBy: actor.value,
    ...(hasHash ? { criteriaHash } : {}),
    ...(hasFrom ? { validFrom } : {}),
    ...(hasUntil ? { validUntil } : {}),
    ...(hasReason ? { reason } : {}),
    at,
    v: version,
    seq,
  };
  // RFC 8785 order: approvalId, at, criteriaHash, decidedBy {…}, decision, reason, seq, subject, type, v, validFrom, validUntil.
  const text =
    `{"approvalId":${JSON.stringify(approvalId)},"at":${JSON.stringify(at)},${hasHash ? `"criteriaHash":${JSON.stringify(criteriaHash)},` : ''}` +
    `"decidedBy":${actor.text},"decision":${JSON.stringify(decision)},${hasReason ? `"reason":${JSON.stringify(reason)},` : ''}` +
    `"seq":${seq},"subject":${JSON.stringify(subject)},"type":"approval-decision","v":${version}` +
    `${hasFrom ? `,"validFrom":${JSON.stringify(validFrom)}` : ''}${hasUntil ? `,"validUntil":${JSON.stringify(validUntil)}` : ''}}`;
  return { entry, text };
}

function caseTransition(v: Obj, envelope: number, version: number, seq: number, at: string): FastEntry | undefined {
  const { caseId, from, to, actor: a, reason } = v;
  const hasReason = reason !== undefined;
  if (!hasReason && 'reason' in v) return undefined;
  if (Object.keys(v).length !== 5 + Number(hasReason) + envelope) return undefined;
  if (!isId(caseId) || !isToken(from) || !isToken(to) || (hasReason && !isText(reason, 500))) return undefined;
  const actor = fastActor(a);
  if (!actor) return undefined;
  const entry: Obj = { type: 'case-transition', caseId, from, to, actor: actor.value, ...(hasReason ? { reason } : {}), at, v: version, seq };
  // RFC 8785 order: actor {…}, at, caseId, from, reason, seq, to, type, v.
  const text =
    `{"actor":${actor.text},"at":${JSON.stringify(at)},"caseId":${JSON.stringify(caseId)},"from":${JSON.stringify(from)},` +
    `${hasReason ? `"reason":${JSON.stringify(reason)},` : ''}"seq":${seq},"to":${JSON.stringify(to)},"type":"case-transition","v":${version}}`;
  return { entry, text };
}

/** The schema's `actor` (who, role, organisation) and its canonical text, or undefined. */
function fastActor(x: unknown): { value: Obj; text: string } | undefined {
  if (!isPlain(x)) return undefined;
  const a = x as Obj;
  if (Object.keys(a).length !== 3) return undefined;
  const { who, role, organisation } = a;
  if (!isId(who) || !isToken(role) || !isText(organisation, 200)) return undefined;
  return {
    value: { who, role, organisation },
    text: `{"organisation":${JSON.stringify(organisation)},"role":${JSON.stringify(role)},"who":${JSON.stringify(who)}}`,
  };
}

/** zod's object and record types take plain objects only; anything else is left to zod. */
function isPlain(x: unknown): boolean {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x) as unknown;
  return proto === Object.prototype || proto === null;
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function isId(x: unknown): x is string {
  return typeof x === 'string' && ID.test(x);
}

function isToken(x: unknown): x is string {
  return typeof x === 'string' && TOKEN.test(x);
}

function isTimestamp(x: unknown): x is string {
  return typeof x === 'string' && TIMESTAMP.test(x);
}

function isSha256(x: unknown): x is string {
  return typeof x === 'string' && SHA256_HEX.test(x);
}

function isText(x: unknown, max: number): x is string {
  return typeof x === 'string' && x.length >= 1 && x.length <= max && TEXT.test(x);
}
