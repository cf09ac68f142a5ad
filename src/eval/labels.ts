/**
 * Ground truth of a generated capture (labels.json): which addresses are C&C servers, bots,
 * scanners, DDoS victims, and which periodic endpoints are benign (the false-positive traps).
 * Times are ms since the Unix epoch: `from`/`to` are the first and last generated flow start of
 * that role, so a detector cannot be credited before the behaviour exists.
 */

export interface TimeRange {
  from: number;
  to: number;
}

export interface C2Label extends TimeRange {
  ip: string;
  port: number;
  proto: number;
  family: string;
  /** Bots that beaconed to it. */
  bots: number;
}

export interface BotLabel extends TimeRange {
  ip: string;
  family: string;
  /** Whether this bot also scans (Mirai-style). */
  scans: boolean;
  /** Listed in seeds.json as a known bot (imported intelligence / NOTICE); C&C servers never are. */
  seeded: boolean;
}

export interface ScannerLabel extends TimeRange {
  ip: string;
  family: 'mirai' | 'masscan' | 'udp-probe';
  /** Domestic source (an infected subscriber scanning outwards and into the darknet). */
  domestic: boolean;
  probes: number;
}

export interface DdosVictimLabel extends TimeRange {
  ip: string;
  port: number;
  proto: number;
  kind: 'reflection' | 'syn-flood' | 'backscatter';
  /** Distinct attacking sources (reflectors, spoofed addresses) or darknet addresses hit by backscatter. */
  peers: number;
}

export interface BenignPeriodicLabel {
  ip: string;
  port: number;
  proto: number;
  service: 'ntp' | 'update' | 'telemetry';
  intervalSec: number;
  hosts: number;
  country: string;
}

export interface GenerationLabels {
  format: 'sakimori-labels/1';
  seed: number;
  scale: string;
  start: number;
  end: number;
  /** Intended country of every address role, for checking against the classifier. */
  domesticCountry: string;
  c2: C2Label[];
  bots: BotLabel[];
  scanners: ScannerLabel[];
  /** Subset of `scanners` with the Mirai fingerprint (TCP sequence number = destination address). */
  miraiScanners: ScannerLabel[];
  ddosVictims: DdosVictimLabel[];
  benignPeriodic: BenignPeriodicLabel[];
  darknetPrefixes: string[];
  /**
   * Critical-asset prefixes (registered operator ranges, /24) handed to `detect --asset`: each
   * holds one domestic DDoS victim and two normal servers (listed in benignServers), never the
   * victim's address alone.
   */
  criticalAssets: string[];
  /** Every domestic host doing ordinary traffic (bots included). */
  hosts: string[];
  /** Background web and DNS servers (benign, irregular). */
  benignServers: string[];
  /** Intended country of each address in the scenario (classification check). */
  countries: Record<string, string>;
  /** Generated sessions (= flows in direct mode) per role. */
  sessions: Record<string, number>;
}
