/**
 * What selection consumes: a decoded flow plus its classification. Defined here, minimally, so
 * selection does not depend on the classifier's own types (src/core/classify/).
 */
import type { FlowRecord } from '../flow/flow-record.js';

export interface ClassifiedFlow {
  record: FlowRecord;
  /** 'foreign-foreign' | 'foreign-domestic' | 'domestic-foreign' | 'domestic-domestic', or the classifier's unknown marker. */
  direction: string;
  srcCountry: string;
  dstCountry: string;
  srcDomestic: boolean;
  dstDomestic: boolean;
  /**
   * Optional: the IPv4 addresses as unsigned 32-bit numbers when the classifier already parsed them
   * (-1 or absent for IPv6 / not parsed). Must equal the parse of record.src / record.dst; saves
   * re-parsing text on the selection hot path.
   */
  srcV4?: number;
  dstV4?: number;
  /**
   * Optional: the four unsigned 32-bit words of an IPv6 address that is not IPv4-mapped, when the
   * classifier parsed it (null or absent otherwise). Must equal the parse of the text.
   */
  srcV6?: readonly number[] | null;
  dstV6?: readonly number[] | null;
}

/**
 * A ClassifiedFlow made by `new`, not by an object literal: a whole batch of them is alive while
 * it is selected, and V8 would then move the literal's objects to the old generation from birth
 * (allocation-site pretenuring, see FlowRecord's constructor in flow-record.ts), making every
 * later scavenge slow. The prototype stays Object.prototype: it is a plain object.
 */
function initClassifiedFlow(
  this: ClassifiedFlow,
  record: FlowRecord,
  direction: string,
  srcCountry: string,
  dstCountry: string,
  srcDomestic: boolean,
  dstDomestic: boolean,
  srcV4: number,
  dstV4: number,
  srcV6: readonly number[] | null,
  dstV6: readonly number[] | null,
): void {
  this.record = record;
  this.direction = direction;
  this.srcCountry = srcCountry;
  this.dstCountry = dstCountry;
  this.srcDomestic = srcDomestic;
  this.dstDomestic = dstDomestic;
  this.srcV4 = srcV4;
  this.dstV4 = dstV4;
  this.srcV6 = srcV6;
  this.dstV6 = dstV6;
}
initClassifiedFlow.prototype = Object.prototype;

/** The flow a selection stage hands to its selectors (the V4 twins -1 when not IPv4, the V6 twins null when not IPv6): `new ClassifiedFlowRecord(…)`. */
export const ClassifiedFlowRecord = initClassifiedFlow as unknown as new (...args: Parameters<typeof initClassifiedFlow>) => ClassifiedFlow;
