/**
 * Load shedding for live detection (collection first): decides per decoded batch whether detection
 * observes it, from how full the decode queue is. The share of batches observed adapts: it halves
 * on every batch seen with the queue past SHED_AT, grows again while the queue stays under
 * RESUME_AT, and is back to every batch as soon as the queue is (nearly) empty. Admission spreads
 * the share evenly (a credit counter), so under sustained load detection sees a regular sample
 * instead of bursts. Past HARD_STOP nothing is observed. Pure: no clock, no IO.
 */
export const SHED_AT = 1 / 8;
export const RESUME_AT = 1 / 64;
export const EMPTY_AT = 1 / 256;
export const HARD_STOP = 1 / 2;
const MIN_SHARE = 1 / 1024;

export class DetectionSampler {
  /** Share of batches observed, in [MIN_SHARE, 1]. */
  share = 1;
  #credit = 0;

  /** `fill`: queued bytes / queue capacity when the batch was decoded. True: observe it. */
  admit(fill: number): boolean {
    if (fill >= SHED_AT) this.share = Math.max(MIN_SHARE, this.share / 2);
    else if (fill <= EMPTY_AT) this.share = 1;
    else if (fill <= RESUME_AT) this.share = Math.min(1, this.share * 1.25 + MIN_SHARE);
    if (fill >= HARD_STOP) return false;
    this.#credit += this.share;
    if (this.#credit >= 1) {
      this.#credit -= 1;
      return true;
    }
    return false;
  }
}
