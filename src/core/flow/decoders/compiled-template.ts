import { describesFlow, FieldRole, fieldRole, VARIABLE_LENGTH } from './information-elements.js';

/**
 * A (options) template compiled once, when it arrives, into a decoding plan: the record layout
 * (field offsets when every field has a fixed length) and the short list of fields the decoder
 * actually reads, each with its role. Data records are then decoded by walking that list only;
 * every other field is stepped over by its offset without being looked at.
 */
export interface CompiledTemplate {
  readonly id: number;
  /** Options template (RFC 3954 §6.1, RFC 7011 §3.4.2): its records feed sampling state, not flows. */
  readonly options: boolean;
  /** Data records describe flows (the template carries addresses or a sampled frame). */
  readonly flows: boolean;
  readonly fieldCount: number;
  /** Declared length of each field; VARIABLE_LENGTH for IPFIX variable-length fields. */
  readonly lengths: Int32Array;
  /** Offset of each field in the record; only meaningful when fixedLength ≥ 0. */
  readonly offsets: Int32Array;
  /** Record length when every field has a fixed length, else -1. */
  readonly fixedLength: number;
  /** Smallest possible record (a variable-length field takes at least its 1-byte length). */
  readonly minLength: number;
  readonly planFields: Int32Array;
  readonly planRoles: Uint8Array;
  /** Carries RFC 5103 reverse counters: a biflow yields a second, reversed record. */
  readonly reverse: boolean;
  /** The template record as received, to recognise an unchanged refresh without recompiling. */
  readonly raw: Uint8Array;
}

/** Most fields a template can have: each field specifier takes at least 4 of a set's ≤ 65535 bytes. */
export const MAX_TEMPLATE_FIELDS = 16384;

/** Field specifiers of one template record as parsed, before compilation (reused across templates). */
export class TemplateFields {
  readonly elementIds = new Uint16Array(MAX_TEMPLATE_FIELDS);
  readonly enterprises = new Uint32Array(MAX_TEMPLATE_FIELDS);
  readonly lengths = new Int32Array(MAX_TEMPLATE_FIELDS);
  /** Field is not to be interpreted (NetFlow v9 options scope fields, whose types are not IEs). */
  readonly opaque = new Uint8Array(MAX_TEMPLATE_FIELDS);
  count = 0;

  reset(): void {
    this.count = 0;
  }

  push(elementId: number, enterprise: number, length: number, opaque: boolean): void {
    const i = this.count++;
    this.elementIds[i] = elementId;
    this.enterprises[i] = enterprise;
    this.lengths[i] = length;
    this.opaque[i] = opaque ? 1 : 0;
  }
}

/**
 * Compiles parsed field specifiers. Returns undefined when no record could ever be delimited
 * (every field zero-length), which the caller counts as malformed: such a template would make a
 * data set loop without advancing.
 */
export function compileTemplate(id: number, options: boolean, fields: TemplateFields, raw: Uint8Array): CompiledTemplate | undefined {
  const n = fields.count;
  const lengths = new Int32Array(n);
  const offsets = new Int32Array(n);
  let fixed = true;
  let offset = 0;
  let minLength = 0;
  let flows = false;
  let reverse = false;
  const planFields: number[] = [];
  const planRoles: number[] = [];
  for (let i = 0; i < n; i++) {
    const len = fields.lengths[i];
    lengths[i] = len;
    offsets[i] = offset;
    if (len === VARIABLE_LENGTH) {
      fixed = false;
      minLength += 1;
    } else {
      offset += len;
      minLength += len;
    }
    if (fields.opaque[i] === 1) continue;
    const role = fieldRole(fields.elementIds[i], fields.enterprises[i], len);
    if (role === FieldRole.Skip) continue;
    if (describesFlow(role)) flows = true;
    if (role === FieldRole.ReverseOctets || role === FieldRole.ReversePackets) reverse = true;
    planFields.push(i);
    planRoles.push(role);
  }
  if (minLength === 0) return undefined;
  return {
    id,
    options,
    flows: flows && !options,
    fieldCount: n,
    lengths,
    offsets,
    fixedLength: fixed ? offset : -1,
    minLength,
    planFields: Int32Array.from(planFields),
    planRoles: Uint8Array.from(planRoles),
    reverse,
    raw,
  };
}

/** Whether a template record received again is byte-for-byte the one already compiled. */
export function sameTemplate(t: CompiledTemplate, b: Uint8Array, start: number, end: number): boolean {
  const raw = t.raw;
  if (raw.length !== end - start) return false;
  for (let i = 0; i < raw.length; i++) if (raw[i] !== b[start + i]) return false;
  return true;
}
