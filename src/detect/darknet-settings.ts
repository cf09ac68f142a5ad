/**
 * The configuration's `detections.darknet` thresholds as the darknet sensor's settings, for live
 * detection in the collector and `sakimori darknet`.
 */
import type { SakimoriConfig } from '../config/config-schema.js';
import type { DarknetObservatorySettings } from '../core/darknet/darknet-observatory.js';

export function darknetSettings(d: SakimoriConfig['detections']['darknet']): DarknetObservatorySettings {
  return {
    scan: { minAddresses: d.scanMinAddresses },
    mirai: { minPackets: d.miraiMinPackets },
    backscatter: { minPackets: d.backscatterMinPackets, minAddresses: d.backscatterMinAddresses },
  };
}
