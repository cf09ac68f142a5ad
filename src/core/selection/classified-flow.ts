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
}
