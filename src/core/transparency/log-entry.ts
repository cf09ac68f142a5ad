import { hash } from 'node:crypto';
import { z } from 'zod';
import { canonicalJsonOfValidated } from './canonical-json.js';
import { fastEntry } from './log-entry-fast-path.js';
import { digestBytes } from './merkle-hash.js';

/**
 * Entries of the transparency log: the evidence the commission (サイバー通信情報監理委員会,
 * Act ch. 10) uses to verify that selection ran only under approved criteria, that unselected
 * data was erased (Act Art. 22) and that every use of selected data had an authorized person
 * and a purpose (Act Art. 23). An entry's leaf data is its canonical JSON (RFC 8785), so any
 * party can recompute the Merkle tree from the entries alone.
 *
 * No communications content ever enters the log. Every object is strict (an unknown member is
 * refused, so a payload cannot ride along in an extra field), identifiers are restricted to a
 * token alphabet, and a selection attestation carries counts only, never the records. The few
 * free-text fields (purpose, reason, the access query) are bounded, single-line, and documented
 * as metadata: the query is stored as the reader gave it, because the record of what was asked
 * is the point of the entry, and it is a query over selected mechanical information
 * (addresses, ports, times), which is not content (Act Art. 22, 35).
 *
 * Entries are versioned (`v`); a new version adds a schema here and keeps the old one readable.
 */

export const LOG_ENTRY_VERSION = 1;

/** Longest canonical entry accepted; bounds the leaf size and the work of a verifier. */
export const MAX_ENTRY_BYTES = 16 * 1024;

/** Record identifiers: approval numbers, case numbers, user IDs, key names. No spaces, so no prose. */
const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}$/, 'identifier: 1–128 of A-Z a-z 0-9 . _ : / @ + -, starting alphanumeric');
/** Role and state names, kebab-case ('police-officer', 'approved'). */
const token = z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'lower-case kebab-case name of at most 64 characters');
/** Single-line text without control characters. */
const text = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[^\p{Cc}\p{Cs}]*$/u, 'single line without control characters');
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** RFC 3339 UTC timestamp as Date.toISOString writes it. */
const timestamp = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'UTC timestamp YYYY-MM-DDTHH:MM:SS.sssZ');
/** SHA-256 of an artefact kept elsewhere (approved criteria, effective configuration), lower-case hex. */
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'SHA-256 as 64 lower-case hex digits');
/** signed-note verifier key string (name+keyid+base64). */
const verifierKey = z.string().regex(/^[^\s+]+\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*$/, 'signed-note verifier key <name>+<key ID>+<base64 key>');

/** The authorized person: who they are, the role they acted in, and the organisation they act for. */
const actor = z.strictObject({ who: id, role: token, organisation: text(200) });

/**
 * 自動選別 (Act Art. 22, 35): one batch of automated selection, in counts only. The shape is
 * core/selection/attestation.ts's SelectionAttestation, so the selector's attestation goes in
 * as it is (with this `type`).
 */
const selectionAttestation = z.strictObject({
    type: z.literal('selection-attestation'),
    /** Legal channel: 'agreement' (ch. 3), 'foreign-foreign' (Art. 17), 'foreign-domestic' (Art. 32). */
    channel: token,
    /** The commission approval whose criteria the selector applied. */
    approvalId: id,
    /** SHA-256 of the approved criteria document as the selector loaded it. */
    criteriaHash: sha256Hex,
    /** Collector or link the batch came from, when the selector knows it. */
    sourceId: id.optional(),
    windowStart: timestamp,
    windowEnd: timestamp,
    counts: z
      .strictObject({
        /** Records examined; each was either selected or erased at once. */
        in: count,
        selected: count,
        erased: count,
        /** Of the erased: domestic→domestic flows, never acquired. */
        domesticDomestic: count,
        /** Of the erased: flows no approval covered. */
        outOfScope: count,
        /** Records kept per criterion ID. */
        perCriterion: z.record(id, count),
      })
      .refine((c) => c.selected + c.erased === c.in, { message: 'in must equal selected + erased: every record is kept or erased' })
      .refine((c) => c.domesticDomestic + c.outOfScope <= c.erased, { message: 'domesticDomestic + outOfScope exceed erased' }),
    /** Selector build that ran, so a reviewer can tie the batch to audited code. */
    softwareVersion: id,
  });

/** Every read of selected records (Act Art. 23): who, in what role, for whom, why, what was asked, how much came back. */
const selectedDataAccess = z.strictObject({
  type: z.literal('selected-data-access'),
  actor,
  purpose: text(500),
  /** Approval or case under which the read was made, when there is one. */
  basisId: id.optional(),
  /** The query as the reader gave it (over selected mechanical information only). */
  query: text(4000),
  resultCount: count,
});

/** A commission or commander decision on an approval request (Act Art. 17, 32; police duties act Art. 6-2). */
const approvalDecision = z.strictObject({
  type: z.literal('approval-decision'),
  approvalId: id,
  /** What was decided on, e.g. 'foreign-transit-acquisition', 'selection-criteria', 'neutralization'. */
  subject: token,
  decision: z.enum(['approved', 'rejected', 'revoked', 'amended', 'notified-after-action']),
  decidedBy: actor,
  criteriaHash: sha256Hex.optional(),
  validFrom: timestamp.optional(),
  validUntil: timestamp.optional(),
  reason: text(500).optional(),
});

/** A neutralization (アクセス・無害化) case changing state. */
const caseTransition = z.strictObject({
  type: z.literal('case-transition'),
  caseId: id,
  from: token,
  to: token,
  actor,
  reason: text(500).optional(),
});

/** An incident report routed to its recipients (報告先の一元化: one submission, many recipients). Never the report body. */
const reportRouting = z.strictObject({
  type: z.literal('report-routing'),
  reportId: id,
  event: token,
  recipients: z.array(id).min(1).max(64),
  actor: actor.optional(),
});

/**
 * A signing key replaced: the log's own key or a witness's. A rotation of the log's own key
 * (keyName = the log's origin) carries `endorsement`, the previous key's Ed25519 signature over
 * the entry without it (core/transparency/key-rotation.ts), so a verifier that trusts the
 * previous key can follow the chain to the new one. `previousKey` and `newKey` are signed-note
 * verifier keys: name, key ID and public key.
 */
const keyRotation = z.strictObject({
  type: z.literal('key-rotation'),
  keyName: id,
  previousKey: verifierKey.optional(),
  newKey: verifierKey,
  actor,
  reason: text(500).optional(),
  /** base64 Ed25519 signature (64 bytes) by previousKey. */
  endorsement: z.string().regex(/^[A-Za-z0-9+/]{86}==$/, 'base64 of a 64-byte Ed25519 signature').optional(),
});

/** A configuration change: which settings changed and a digest of the result, never the values (they may be secrets). */
const configChange = z.strictObject({
  type: z.literal('config-change'),
  actor,
  changedPaths: z.array(z.string().regex(/^[A-Za-z0-9_.[\]-]{1,200}$/, 'dotted configuration path')).min(1).max(256),
  configDigest: sha256Hex,
});

/** What a caller appends: the event time is optional (default: the append time). */
const inputEnvelope = { at: timestamp.optional() };
/** What is stored: `seq` is the entry's position, written into the leaf so a moved entry names itself. */
const storedEnvelope = { v: z.literal(LOG_ENTRY_VERSION), seq: count, at: timestamp };

function variants<S extends z.core.$ZodLooseShape>(shape: S, check?: (e: z.output<z.ZodObject<S>>) => boolean, message?: string) {
  const input = z.strictObject({ ...shape, ...inputEnvelope });
  const stored = z.strictObject({ ...shape, ...storedEnvelope });
  return check ? { input: input.refine(check as never, { message }), stored: stored.refine(check as never, { message }) } : { input, stored };
}

const types = {
  selectionAttestation: variants(selectionAttestation.shape, (e) => e.windowStart <= e.windowEnd, 'windowStart is after windowEnd'),
  selectedDataAccess: variants(selectedDataAccess.shape),
  approvalDecision: variants(approvalDecision.shape),
  caseTransition: variants(caseTransition.shape),
  reportRouting: variants(reportRouting.shape),
  keyRotation: variants(keyRotation.shape, (e) => e.endorsement === undefined || e.previousKey !== undefined, 'an endorsement needs the previousKey that made it'),
  configChange: variants(configChange.shape),
};

export const logEntryInputSchema = z.discriminatedUnion('type', [
  types.selectionAttestation.input,
  types.selectedDataAccess.input,
  types.approvalDecision.input,
  types.caseTransition.input,
  types.reportRouting.input,
  types.keyRotation.input,
  types.configChange.input,
]);

export const logEntrySchema = z.discriminatedUnion('type', [
  types.selectionAttestation.stored,
  types.selectedDataAccess.stored,
  types.approvalDecision.stored,
  types.caseTransition.stored,
  types.reportRouting.stored,
  types.keyRotation.stored,
  types.configChange.stored,
]);

/** What a caller appends. */
export type LogEntryInput = z.input<typeof logEntryInputSchema>;
/** An entry as stored in the log. */
export type LogEntry = z.output<typeof logEntrySchema>;
export type LogEntryType = LogEntry['type'];
export const LOG_ENTRY_TYPES: readonly LogEntryType[] = logEntrySchema.options.map((o) => o.shape.type.value);

export class LogEntryError extends Error {
  constructor(
    message: string,
    readonly issues: readonly string[] = [],
  ) {
    super(message);
    this.name = 'LogEntryError';
  }
}

export interface EncodedEntry {
  entry: LogEntry;
  /** Canonical JSON: the leaf data of RFC 9162 §2.1.1. */
  text: string;
  leafHash: Uint8Array;
}

/** Validates an input and encodes it as the entry at `seq`; `now` is the default event time. */
export function encodeLogEntry(input: LogEntryInput, seq: number, now: string): EncodedEntry {
  if (!Number.isSafeInteger(seq) || seq < 0) throw new LogEntryError(`sequence number ${seq} is not an integer in [0, 2^53)`);
  // The two hot types take a hand-written path that accepts only what the schema accepts
  // (log-entry-fast-path.ts); everything else, and every refusal, goes through zod.
  const fast = fastEntry(input, false, LOG_ENTRY_VERSION, seq, now);
  if (fast) return finish(fast.entry, fast.text);
  const r = logEntryInputSchema.safeParse(input);
  if (!r.success) throw invalid(r.error);
  // zod returns a fresh object: completing it in place avoids another copy on the append path.
  const entry = r.data as Record<string, unknown>;
  entry.v = LOG_ENTRY_VERSION;
  entry.seq = seq;
  if (entry.at === undefined) entry.at = now;
  // The schema admits only well-formed strings (every pattern excludes lone surrogates) and integers.
  return finish(entry, canonicalJsonOfValidated(entry));
}

function finish(entry: Record<string, unknown>, text: string): EncodedEntry {
  // UTF-8 takes at most 3 bytes per UTF-16 unit: most entries are decided without counting bytes.
  if (text.length > MAX_ENTRY_BYTES || (text.length * 3 > MAX_ENTRY_BYTES && Buffer.byteLength(text, 'utf8') > MAX_ENTRY_BYTES)) {
    throw new LogEntryError(`entry is more than ${MAX_ENTRY_BYTES} bytes`);
  }
  return { entry: entry as LogEntry, text, leafHash: entryLeafHash(text) };
}

/**
 * Parses stored leaf data back into an entry, refusing anything this code would not have
 * written: invalid JSON, a non-canonical encoding, an unknown version, type or member.
 */
export function decodeLogEntry(text: string): LogEntry {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new LogEntryError('entry is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new LogEntryError('entry is not a JSON object');
  const v = (value as { v?: unknown }).v;
  if (v !== LOG_ENTRY_VERSION) throw new LogEntryError(`unknown entry version ${JSON.stringify(v)}`);
  const fast = fastEntry(value, true, LOG_ENTRY_VERSION);
  if (fast) {
    if (fast.text !== text) throw new LogEntryError('entry is not in canonical JSON form (RFC 8785)');
    return fast.entry as LogEntry;
  }
  const r = logEntrySchema.safeParse(value);
  if (!r.success) throw invalid(r.error);
  // JSON.parse yields JSON data only, and the schema has just checked every string.
  if (canonicalJsonOfValidated(value) !== text) throw new LogEntryError('entry is not in canonical JSON form (RFC 8785)');
  return r.data;
}

/**
 * RFC 9162 §2.1.1 leaf hash SHA-256(0x00 || entry) of an entry's UTF-8 text; the same value as
 * merkle-hash.ts leafHash over the bytes, computed one-shot because appends and verification
 * hash every entry.
 */
export function entryLeafHash(text: string): Uint8Array {
  return digestBytes(hash('sha256', `\u0000${text}`, 'binary'));
}

function invalid(error: z.ZodError): LogEntryError {
  const issues = error.issues.map((i) => `${i.path.join('.') || '(entry)'}: ${i.message}`);
  return new LogEntryError(`invalid log entry: ${issues.join('; ')}`, issues);
}
