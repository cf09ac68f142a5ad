/**
 * A batch of classified flows in columns: what a selection stage hands its selectors. The
 * classification of every flow (direction, countries, parsed addresses) and the fields selection
 * reads for every flow (ports, feed) sit in typed arrays, so the per-flow loop reads a few bytes per
 * flow instead of two objects, and no object is made per flow. The FlowRecords themselves stay in
 * `records`: selection reads them only for flows a criterion's key already matched.
 *
 * A batch lives for one write: release() drops the records and overwrites the address columns, so
 * nothing of an erased flow outlives its batch (Act Art. 22).
 */
import type { FlowRecord } from '../flow/flow-record.js';
import { UNRESOLVED_COUNTRY } from '../classify/flow-direction.js';
import { ClassifiedFlowRecord, type ClassifiedFlow } from './classified-flow.js';
import { ValueInterner } from '../value-interner.js';

/**
 * Direction by code: source side × 3 + destination side, sides domestic 0, foreign 1, unknown 2
 * (the classifier's FLOW_DIRECTIONS order, checked by a test). Code 9 is a direction string no
 * classifier makes (flows built by hand): no channel selects it.
 */
export const BATCH_DIRECTIONS: readonly string[] = Object.freeze([
  'domestic-domestic',
  'domestic-foreign',
  'domestic-unknown',
  'foreign-domestic',
  'foreign-foreign',
  'foreign-unknown',
  'unknown-domestic',
  'unknown-foreign',
  'unknown-unknown',
  '',
]);
export const OTHER_DIRECTION = 9;
const DIRECTION_CODE = new Map(BATCH_DIRECTIONS.slice(0, OTHER_DIRECTION).map((d, i) => [d, i]));

/** `domestic` column bits. */
export const SRC_DOMESTIC = 1;
export const DST_DOMESTIC = 2;

/** Where a batch's flows came from: selection scopes approvals by feed (exporter, or exporter/domain). */
export interface BatchFeed {
  readonly exporter: string;
  readonly observationDomain: number;
}

export class ClassifiedBatch {
  records: readonly FlowRecord[] = [];
  length = 0;
  /** Direction code (BATCH_DIRECTIONS) per flow. */
  direction = new Uint8Array(0);
  /** SRC_DOMESTIC | DST_DOMESTIC per flow: which sides are domestic (pseudonyms and 内内). */
  domestic = new Uint8Array(0);
  /**
   * Country of each side as an index into `countries`, or UNRESOLVED_COUNTRY where the classifier
   * left it to `resolveCountry` (read them through srcCountryOf/dstCountryOf).
   */
  srcCountry = new Uint16Array(0);
  dstCountry = new Uint16Array(0);
  countries: readonly string[] = [];
  resolveCountry: ((v4: number) => number) | undefined = undefined;
  /** IPv4 address as an unsigned 32-bit number, -1 when not IPv4 (or not parsed). */
  srcV4 = new Float64Array(0);
  dstV4 = new Float64Array(0);
  /** Words of an IPv6 address that is not IPv4-mapped, when parsed; null otherwise. */
  srcV6: (readonly number[] | null)[] = [];
  dstV6: (readonly number[] | null)[] = [];
  srcPort = new Int32Array(0);
  dstPort = new Int32Array(0);
  /** Feed of each flow, an index into `feeds`. */
  feed = new Int32Array(0);
  feeds: BatchFeed[] = [];
  /**
   * The flows as objects when the caller has them (ClassifiedBatch.of(), or a stage that built them
   * for behavioural selectors); flowAt() makes one otherwise.
   */
  flows: readonly ClassifiedFlow[] | undefined = undefined;
  readonly #feedIds = new Map<string, number>();

  /** Sizes the columns for `records` and reads their ports, feeds and IPv4 twins (FlowRecord.srcV4); the classifier fills the rest. */
  load(records: readonly FlowRecord[]): void {
    const n = records.length;
    this.#ensure(n);
    this.records = records;
    this.length = n;
    this.flows = undefined;
    this.feeds = [];
    this.#feedIds.clear();
    const { srcV4, dstV4, srcPort, dstPort, feed, srcV6, dstV6 } = this;
    let lastExporter = '';
    let lastDomain = -1;
    let lastFeed = -1;
    for (let i = 0; i < n; i++) {
      const r = records[i];
      srcV4[i] = r.srcV4;
      dstV4[i] = r.dstV4;
      srcPort[i] = r.srcPort;
      dstPort[i] = r.dstPort;
      srcV6[i] = null;
      dstV6[i] = null;
      if (r.exporter !== lastExporter || r.observationDomain !== lastDomain) {
        lastExporter = r.exporter;
        lastDomain = r.observationDomain;
        lastFeed = this.#feedId(lastExporter, lastDomain);
      }
      feed[i] = lastFeed;
    }
  }

  #feedId(exporter: string, observationDomain: number): number {
    const key = `${exporter}/${observationDomain}`;
    let id = this.#feedIds.get(key);
    if (id === undefined) {
      id = this.feeds.length;
      this.feeds.push({ exporter, observationDomain });
      this.#feedIds.set(key, id);
    }
    return id;
  }

  #ensure(n: number): void {
    if (this.direction.length >= n) return;
    const cap = Math.max(n, 1024);
    this.direction = new Uint8Array(cap);
    this.domestic = new Uint8Array(cap);
    this.srcCountry = new Uint16Array(cap);
    this.dstCountry = new Uint16Array(cap);
    this.srcV4 = new Float64Array(cap);
    this.dstV4 = new Float64Array(cap);
    this.srcPort = new Int32Array(cap);
    this.dstPort = new Int32Array(cap);
    this.feed = new Int32Array(cap);
  }

  /**
   * A batch of flows given as objects (the CLI, tests, benchmarks): the same columns, interned
   * country strings, and `flows` kept, so directions no classifier makes come back unchanged.
   */
  static of(flows: readonly ClassifiedFlow[]): ClassifiedBatch {
    const b = new ClassifiedBatch();
    b.load(flows.map((f) => f.record));
    b.flows = flows;
    const countries = new ValueInterner();
    for (let i = 0; i < flows.length; i++) {
      const f = flows[i];
      b.direction[i] = DIRECTION_CODE.get(f.direction) ?? OTHER_DIRECTION;
      b.domestic[i] = (f.srcDomestic ? SRC_DOMESTIC : 0) | (f.dstDomestic ? DST_DOMESTIC : 0);
      b.srcCountry[i] = countries.intern(f.srcCountry);
      b.dstCountry[i] = countries.intern(f.dstCountry);
      b.srcV4[i] = f.srcV4 ?? -1;
      b.dstV4[i] = f.dstV4 ?? -1;
      b.srcV6[i] = f.srcV6 ?? null;
      b.dstV6[i] = f.dstV6 ?? null;
    }
    b.countries = countries.values;
    return b;
  }

  /** Country code of flow `i`'s source (looked up now if the classifier left it). */
  srcCountryOf(i: number): string {
    let c = this.srcCountry[i];
    if (c === UNRESOLVED_COUNTRY) this.srcCountry[i] = c = this.resolveCountry!(this.srcV4[i]);
    return this.countries[c];
  }

  dstCountryOf(i: number): string {
    let c = this.dstCountry[i];
    if (c === UNRESOLVED_COUNTRY) this.dstCountry[i] = c = this.resolveCountry!(this.dstV4[i]);
    return this.countries[c];
  }

  /** Direction text of flow `i`. */
  directionOf(i: number): string {
    return this.flows !== undefined ? this.flows[i].direction : BATCH_DIRECTIONS[this.direction[i]];
  }

  /** Flow `i` as an object (behavioural scorers): the caller's own when it gave them, else made now. */
  flowAt(i: number): ClassifiedFlow {
    if (this.flows !== undefined) return this.flows[i];
    const d = this.domestic[i];
    return new ClassifiedFlowRecord(
      this.records[i],
      BATCH_DIRECTIONS[this.direction[i]],
      this.srcCountryOf(i),
      this.dstCountryOf(i),
      (d & SRC_DOMESTIC) !== 0,
      (d & DST_DOMESTIC) !== 0,
      this.srcV4[i],
      this.dstV4[i],
      this.srcV6[i],
      this.dstV6[i],
    );
  }

  /** Every flow as an object (behavioural selectors observe whole batches); kept as `flows`. */
  materialize(): readonly ClassifiedFlow[] {
    if (this.flows !== undefined) return this.flows;
    const out = new Array<ClassifiedFlow>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.flowAt(i);
    this.flows = out;
    return out;
  }

  /**
   * End of the batch: the records and flows are dropped and the address and port columns
   * overwritten, so no erased flow's addresses stay behind in the reused columns.
   */
  release(): void {
    const n = this.length;
    this.srcV4.fill(-1, 0, n);
    this.dstV4.fill(-1, 0, n);
    this.srcPort.fill(0, 0, n);
    this.dstPort.fill(0, 0, n);
    this.srcV6.fill(null, 0, n);
    this.dstV6.fill(null, 0, n);
    this.records = [];
    this.flows = undefined;
    this.feeds = [];
    this.#feedIds.clear();
    this.length = 0;
  }
}
