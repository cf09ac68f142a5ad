/** Shapes of /api/v1/detections* and /api/v1/hub/* (see the server's /openapi.json). */
export type DetectionKind = 'c2' | 'bot' | 'scanner' | 'ddos-victim';
export const DETECTION_KINDS: readonly DetectionKind[] = ['c2', 'bot', 'scanner', 'ddos-victim'];

export interface DetectionView {
  key: string;
  kind: DetectionKind;
  ip: string;
  port: number;
  proto: number;
  score: number;
  detectors: string[];
  family?: string;
  country: string;
  as: number;
  firstSeen: number;
  lastSeen: number;
  expiresAt: number;
  expired: boolean;
  evidence: { flows: number; peers: number; seedPeers?: number; scores: Record<string, number>; facts?: Record<string, number | string | boolean> };
}

export interface DetectionPage {
  demo: boolean;
  total: number;
  items: DetectionView[];
}

export type KindCounts = Record<DetectionKind, number>;

export interface DetectionStats {
  demo: boolean;
  now: number;
  total: number;
  byKind: KindCounts;
  byCountry: { country: string; count: number; maxScore: number }[];
  series: (KindCounts & { t: number })[];
}

export type HubStatus = 'pending' | 'vetted' | 'published' | 'rejected' | 'allowlisted';

export interface HubEntry {
  ip: string;
  port: number;
  proto: number;
  score: number;
  carriers: { carrierId: string; score: number; lastSeen: number; detectors: string[] }[];
  firstSeen: number;
  lastSeen: number;
  status: HubStatus;
  allowlistedBy?: string;
  note: string;
  vettedBy?: string;
  vettedAt?: number;
}

export interface HubOverlap {
  total: number;
  carriers: { carrierId: string; entries: number; unique: number }[];
  pairs: { a: string; b: string; intersection: number; union: number; jaccard: number }[];
  seenBy: { one: number; two: number; threeOrMore: number };
  submissions: { carrierId: string; generatedAt: number; receivedAt: number; entries: number }[];
}
