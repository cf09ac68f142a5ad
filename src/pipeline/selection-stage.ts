/**
 * decode → classify → select → store selected, erase the rest (自動選別, Act Art. 22). The sink
 * the cyber-office pipeline writes decoded batches to: every record is classified, offered to
 * every approval's selector, and only the minimized SelectedRecords leave this class. The batch
 * itself is dropped when write() returns; unselected records are counted, never copied, logged
 * or kept. Per approval, counts accumulate into an attestation per time window (Act Art. 35).
 */
import type { FlowClassifier } from '../core/classify/flow-direction.js';
import { fillAddressText, type FlowRecord } from '../core/flow/flow-record.js';
import { selectionAttestation, type SelectionAttestation } from '../core/selection/attestation.js';
import type { ClassifiedFlow } from '../core/selection/classified-flow.js';
import { ClassifiedBatch } from '../core/selection/classified-batch.js';
import type { BehaviourScorer, CompiledSelector, SelectionCounts } from '../core/selection/selector.js';
import type { FlowSink } from '../storage/flow-store.js';
import type { SelectedFlowSink } from '../storage/selected-flow-store.js';

export interface SelectionStageOptions {
  /** Absent only when there is no selector (then nothing is classified: everything is erased). */
  classifier: FlowClassifier | undefined;
  /** The initial set; replaceSelectors() swaps it at a batch boundary (runtime reload). */
  selectors: readonly CompiledSelector[];
  sink: SelectedFlowSink;
  clock: () => number;
  /** Attestation window length; a window closes at the first write or tick after it elapsed, and on flush. */
  windowMs: number;
  softwareVersion: string;
  onAttestation(a: SelectionAttestation): void;
  /**
   * Records kept by at least one approval, before minimization, while the batch is alive (live
   * detection in the cyber-office role runs on selected flows only, Act Art. 23). Never called
   * with an unselected record.
   */
  onSelected?(records: readonly FlowRecord[]): void;
  /**
   * Behavioural selectors (docs/reference/selection.md): observes every classified batch before
   * the selectors run and scores `match.behaviour` criteria. Without it those criteria never hold.
   */
  behaviour?: { observe(batch: readonly ClassifiedFlow[]): void; scorer: BehaviourScorer };
}

/**
 * Counts of one approval over a window or since start. Per-criterion counts add up in an array
 * parallel to the selector's criterionIds (a document may have thousands of criteria; naming them
 * in an object per batch cost more than selecting); counts() names them, every criterion with 0.
 */
class CountsAccumulator {
  in = 0;
  selected = 0;
  erased = 0;
  domesticDomestic = 0;
  outOfScope = 0;
  readonly #ids: readonly string[];
  readonly #perCriterion: Float64Array;
  /** Counts of criteria not in #ids: a reloaded approval of the same id with other criteria (totals only). */
  #other: Map<string, number> | undefined;

  constructor(ids: readonly string[]) {
    this.#ids = ids;
    this.#perCriterion = new Float64Array(ids.length);
  }

  add(c: SelectionCounts, criterionCounts: Float64Array, ids: readonly string[]): void {
    this.in += c.in;
    this.selected += c.selected;
    this.erased += c.erased;
    this.domesticDomestic += c.domesticDomestic;
    this.outOfScope += c.outOfScope;
    const same = ids === this.#ids || (ids.length === this.#ids.length && ids.every((id, i) => id === this.#ids[i]));
    if (same) {
      for (let i = 0; i < criterionCounts.length; i++) this.#perCriterion[i] += criterionCounts[i];
      return;
    }
    for (let i = 0; i < criterionCounts.length; i++) {
      if (criterionCounts[i] === 0) continue;
      const at = this.#ids.indexOf(ids[i]);
      if (at >= 0) this.#perCriterion[at] += criterionCounts[i];
      else (this.#other ??= new Map()).set(ids[i], (this.#other.get(ids[i]) ?? 0) + criterionCounts[i]);
    }
  }

  counts(): SelectionCounts {
    const perCriterion: Record<string, number> = {};
    this.#ids.forEach((id, i) => (perCriterion[id] = this.#perCriterion[i]));
    for (const [id, n] of this.#other ?? []) perCriterion[id] = n;
    return { in: this.in, selected: this.selected, erased: this.erased, domesticDomestic: this.domesticDomestic, outOfScope: this.outOfScope, perCriterion };
  }
}

export class SelectionStage implements FlowSink {
  readonly #o: SelectionStageOptions;
  #classifier: FlowClassifier | undefined;
  #selectors: readonly CompiledSelector[];
  #windows: CountsAccumulator[];
  #windowStart: number;
  /** The columns every batch is classified into (reused; released at the end of each write). */
  readonly #batch = new ClassifiedBatch();
  /** Counts since start per approval id, kept across reloads (for the status API). */
  readonly #totals = new Map<string, CountsAccumulator>();
  /** Records examined, records kept by at least one approval, records erased (kept by none). */
  in = 0;
  selected = 0;
  erased = 0;
  /** Rows stored (a record several approvals select is stored once per approval). */
  stored = 0;

  constructor(options: SelectionStageOptions) {
    this.#o = options;
    this.#classifier = options.classifier;
    this.#selectors = options.selectors;
    this.#windows = options.selectors.map((s) => new CountsAccumulator(s.criterionIds));
    this.#windowStart = options.clock();
  }

  /**
   * Runtime reload: closes the attestation window of the old set (so each attestation names the
   * approval that ran) and runs `selectors` from the next batch on. The caller verified them all.
   */
  replaceSelectors(selectors: readonly CompiledSelector[], classifier: FlowClassifier | undefined): void {
    this.#o.sink.flush?.(true);
    this.flushAttestations();
    this.#selectors = selectors;
    this.#classifier = classifier;
    this.#windows = selectors.map((s) => new CountsAccumulator(s.criterionIds));
  }

  /** Counts per approval id since start (a copy). */
  totals(): Map<string, SelectionCounts> {
    const out = new Map<string, SelectionCounts>();
    for (const [id, c] of this.#totals) out.set(id, c.counts());
    return out;
  }

  write(records: readonly FlowRecord[]): void {
    const n = records.length;
    if (n === 0) return;
    this.in += n;
    const classifier = this.#classifier;
    const selectors = this.#selectors;
    if (selectors.length === 0 || !classifier) {
      this.erased += n;
      return;
    }
    const batch = this.#batch;
    batch.load(records);
    // Selection matches `asns` on the exported AS numbers (docs/reference/selection.md): no origin-AS lookup.
    classifier.classifyColumns(records, n, batch);
    try {
      this.#select(batch, records, selectors);
    } finally {
      batch.release();
    }
    this.tick();
  }

  #select(batch: ClassifiedBatch, records: readonly FlowRecord[], selectors: readonly CompiledSelector[]): void {
    const n = records.length;
    // The behavioural engine costs microseconds per flow: it runs only while an approval in force
    // has a behaviour criterion (its state then starts from the flows after that approval loaded).
    const behaviour = selectors.some((s) => s.usesBehaviour) ? this.#o.behaviour : undefined;
    if (behaviour) {
      // The behaviour engine reads addresses as text: deferred text is made for the whole batch.
      for (let i = 0; i < n; i++) fillAddressText(records[i]);
      behaviour.observe(batch.materialize());
    }
    const onSelected = this.#o.onSelected;
    const kept = selectors.length > 1 || onSelected ? new Uint8Array(n) : undefined;
    let keptOnce = 0;
    const sink = this.#o.sink;
    for (let s = 0; s < selectors.length; s++) {
      let r: { indexes: readonly number[]; counts: SelectionCounts; criterionCounts: Float64Array };
      if (sink.writeBlocks) {
        // A sink of blocks: the kept flows are encoded straight from the batch.
        const b = selectors[s].selectBlocks(batch, this.#o.clock, behaviour?.scorer);
        sink.writeBlocks(selectors[s].approvalId, b.blocks, b.indexes.length);
        r = b;
      } else {
        const o = selectors[s].select(batch, this.#o.clock, behaviour?.scorer);
        sink.write(selectors[s].approvalId, o.selected, selectors[s].outputFields);
        r = o;
      }
      this.stored += r.indexes.length;
      const ids = selectors[s].criterionIds;
      this.#windows[s].add(r.counts, r.criterionCounts, ids);
      const id = selectors[s].approvalId;
      let total = this.#totals.get(id);
      if (!total) this.#totals.set(id, (total = new CountsAccumulator(ids)));
      total.add(r.counts, r.criterionCounts, ids);
      if (kept) {
        for (const i of r.indexes) {
          if (kept[i] === 0) {
            kept[i] = 1;
            keptOnce++;
          }
        }
      } else keptOnce = r.indexes.length;
    }
    this.selected += keptOnce;
    this.erased += n - keptOnce;
    if (onSelected && keptOnce > 0) {
      const out: FlowRecord[] = [];
      for (let i = 0; i < n; i++) {
        if (kept![i] === 1) {
          fillAddressText(records[i]);
          out.push(records[i]);
        }
      }
      onSelected(out);
    }
  }

  /** Closes the attestation window if it has elapsed, and lets the sink hand on what has waited long enough. */
  tick(): void {
    this.#o.sink.flush?.(false);
    if (this.#o.clock() - this.#windowStart >= this.#o.windowMs) this.flushAttestations();
  }

  /** Closes the current window: one attestation per approval that examined any record in it. */
  flushAttestations(): void {
    const end = this.#o.clock();
    const start = this.#windowStart;
    this.#windowStart = end;
    this.#selectors.forEach((selector, s) => {
      const window = this.#windows[s];
      if (window.in === 0) return;
      this.#windows[s] = new CountsAccumulator(selector.criterionIds);
      this.#o.onAttestation(selectionAttestation({ selector, counts: window.counts(), windowStart: start, windowEnd: end, softwareVersion: this.#o.softwareVersion }));
    });
  }

  close(): void {
    this.#o.sink.flush?.(true);
    this.flushAttestations();
  }
}
