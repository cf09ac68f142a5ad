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
}
