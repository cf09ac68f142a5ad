/**
 * The criteria document a commission approval fixes (選別基準, Act Art. 22/35). Within one
 * criterion every given condition must hold (AND); a flow is selected when any criterion holds
 * (OR) and carries the ids of all criteria that hold. Only mechanical information (機械的情報)
 * may be output; the document names which fields. Reference: docs/reference/selection.md.
 */
import { z } from 'zod';
import { parseCidr } from './address-text.js';
import { canonicalJson, sha256Hex } from './canonical.js';
import { SelectionError } from './selection-error.js';

/** Mechanical fields a selected record may carry (never payload or content). */
export const OUTPUT_FIELDS = [
  'start',
  'end',
  'exporter',
  'observationDomain',
  'source',
  'ipVersion',
  'src',
  'dst',
  'srcPort',
  'dstPort',
  'proto',
  'tcpFlags',
  'packets',
  'octets',
  'sampledPackets',
  'sampledOctets',
  'samplingRate',
  'inIf',
  'outIf',
  'srcAs',
  'dstAs',
  'direction',
  'srcCountry',
  'dstCountry',
] as const;
export type OutputField = (typeof OUTPUT_FIELDS)[number];

export const DIRECTIONS = ['foreign-foreign', 'foreign-domestic', 'domestic-foreign', 'domestic-domestic'] as const;

const cidr = z.string().refine((s) => parseCidr(s) !== null, { message: 'not an IPv4/IPv6 CIDR with host bits clear' });
const port = z.number().int().min(0).max(65535);
const isoTime = z.string().refine((s) => /^\d{4}-\d\d-\d\dT/.test(s) && Number.isFinite(Date.parse(s)), {
  message: 'not an ISO 8601 date-time',
});
const nonEmpty = <T extends z.ZodType>(t: T) => z.array(t).min(1);

const matchSchema = z
  .strictObject({
    srcCidrs: nonEmpty(cidr).optional(),
    dstCidrs: nonEmpty(cidr).optional(),
    anyCidrs: nonEmpty(cidr).optional(),
    ports: nonEmpty(port).optional(),
    srcPorts: nonEmpty(port).optional(),
    dstPorts: nonEmpty(port).optional(),
    protocols: nonEmpty(z.number().int().min(0).max(255)).optional(),
    asns: nonEmpty(z.number().int().min(0).max(0xffffffff)).optional(),
    countries: nonEmpty(z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2, upper case')).optional(),
    directions: nonEmpty(z.enum(DIRECTIONS)).optional(),
    timeWindows: nonEmpty(
      z.strictObject({ from: isoTime, to: isoTime }).refine((w) => Date.parse(w.from) < Date.parse(w.to), {
        message: 'time window "from" must be before "to"',
      }),
    ).optional(),
    behaviour: z
      .strictObject({ selector: z.string().min(1).max(200), minScore: z.number().finite().optional() })
      .optional(),
  })
  .refine((m) => Object.values(m).some((v) => v !== undefined), {
    message: 'a criterion must state at least one condition (an empty match would select everything)',
  });

export const criterionSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'ids are 1–128 of A–Z a–z 0–9 . _ : -'),
  description: z.string().max(2000),
  match: matchSchema,
});

export const criteriaDocumentSchema = z
  .strictObject({
    version: z.literal(1),
    criteria: nonEmpty(criterionSchema),
    fields: nonEmpty(z.enum(OUTPUT_FIELDS)),
    allowDomesticAddresses: z.boolean(),
  })
  .superRefine((doc, ctx) => {
    const seen = new Set<string>();
    doc.criteria.forEach((c, i) => {
      if (seen.has(c.id)) ctx.addIssue({ code: 'custom', path: ['criteria', i, 'id'], message: `duplicate criterion id ${c.id}` });
      seen.add(c.id);
    });
    if (new Set(doc.fields).size !== doc.fields.length) ctx.addIssue({ code: 'custom', path: ['fields'], message: 'duplicate field' });
  });

export type CriteriaDocument = z.infer<typeof criteriaDocumentSchema>;
export type Criterion = z.infer<typeof criterionSchema>;
export type CriterionMatch = Criterion['match'];

/** Validates a parsed JSON value; refuses with SAKI_ERR_CRITERIA_INVALID listing the first issues by path. */
export function parseCriteriaDocument(value: unknown): CriteriaDocument {
  const r = criteriaDocumentSchema.safeParse(value);
  if (!r.success) {
    const issues = r.error.issues.slice(0, 20).map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw new SelectionError('SAKI_ERR_CRITERIA_INVALID', issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; '), {
      details: { issues },
    });
  }
  return r.data;
}

/**
 * SHA-256 hex of the canonical JSON of the document exactly as approved (before any defaults),
 * which is what an approval's criteriaHash commits to.
 */
export function criteriaHash(document: unknown): string {
  try {
    return sha256Hex(canonicalJson(document));
  } catch (e) {
    throw new SelectionError('SAKI_ERR_CRITERIA_INVALID', 'document is not plain JSON data', { cause: e });
  }
}
