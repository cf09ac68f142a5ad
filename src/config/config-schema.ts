import { z } from 'zod';
import { parseCidr } from '../core/selection/address-text.js';

/**
 * The one configuration schema, validated once at start-up and then frozen (Fastify's rule).
 * Every field has an embedded default so `sakimori serve` runs with no file at all.
 */
const listenerSchema = z.strictObject({
  /** Display label only: the decoder sniffs the format of every datagram. */
  protocol: z.enum(['netflow', 'sflow']),
  address: z.string().min(1),
  /** 0 asks the OS for a free port (tests, demo). */
  port: z.number().int().min(0).max(65535),
});

const keyId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, '1–64 letters, digits, . _ -');

/** Big public resolvers and NTP services: frequent, benign peers of many hosts (false C&C candidates). */
export const DEFAULT_HUB_ALLOWLIST: string[] = [
  '8.8.8.8', '8.8.4.4', '2001:4860:4860::8888', '2001:4860:4860::8844', // Google Public DNS
  '1.1.1.1', '1.0.0.1', '2606:4700:4700::1111', '2606:4700:4700::1001', // Cloudflare DNS
  '9.9.9.9', '149.112.112.112', '2620:fe::fe', '2620:fe::9', // Quad9
  '208.67.222.222', '208.67.220.220', // OpenDNS
  '162.159.200.1', '162.159.200.123', // time.cloudflare.com
  '216.239.35.0/24', // time.google.com
  '133.243.238.163', '133.243.238.164', '133.243.238.243', '133.243.238.244', // ntp.nict.jp
];

export const configSchema = z.strictObject({
  /**
   * carrier: a carrier analysing its own flows (MIC programme) may keep its flow records.
   * cyber-office: an instance run under the Act; nothing that did not pass approved selection
   * is stored, logged or shown (Act Art. 22–23).
   */
  role: z.enum(['carrier', 'cyber-office']).default('carrier'),
  dataDir: z.string().min(1).default('./data'),
  http: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8080),
    })
    .prefault({}),
  collector: z
    .strictObject({
      listeners: z.array(listenerSchema).default([
        { protocol: 'netflow', address: '0.0.0.0', port: 2055 },
        { protocol: 'netflow', address: '::', port: 2055 },
        { protocol: 'sflow', address: '0.0.0.0', port: 6343 },
        { protocol: 'sflow', address: '::', port: 6343 },
      ]),
      /** SO_RCVBUF requested for each socket; the kernel caps it at net.core.rmem_max. */
      receiveBufferBytes: z.number().int().min(65536).default(32 * 1024 * 1024),
      /** Capacity of the queue between the sockets and the decoder, bytes of datagrams. */
      queueBytes: z.number().int().min(1024 * 1024).default(64 * 1024 * 1024),
      /** How long a data set with an unknown template waits for its template. */
      templateHoldSeconds: z.number().min(0).default(60),
      maxHeldSetsPerExporter: z.number().int().min(0).default(1000),
      /**
       * V8 young generation of the decode worker, MiB. Every decoded record is short-lived garbage;
       * a larger nursery means fewer scavenges and fewer half-processed batches copied and promoted
       * (docs/benchmarks.md). Costs up to this much resident memory.
       */
      decoderYoungGenerationMb: z.number().int().min(16).max(4096).default(192),
      /**
       * Receive side: "auto" takes datagrams with the native recvmmsg thread when the native module
       * is built (docs/reference/native.md), else Node's dgram; "dgram" always uses dgram.
       */
      receiver: z.enum(['auto', 'dgram']).default('auto'),
      /** Carrier role only: keep decoded flow records in the embedded database. */
      storeFlows: z.boolean().default(true),
      /** Stored flow records older than this are deleted (carrier role). */
      flowRetentionHours: z.number().min(0).default(24),
    })
    .prefault({}),
  /** Flow direction classification (docs/reference/classification.md). */
  classification: z
    .strictObject({
      /** ISO 3166-1 alpha-2 codes counted as domestic (国内). */
      domesticCountries: z.array(z.string().regex(/^[A-Z]{2}$/, 'upper-case ISO 3166-1 alpha-2')).min(1).default(['JP']),
      /** How local-scope special-purpose addresses count: never foreign, 'unknown' never acquirable. */
      specialAddresses: z.enum(['unknown', 'domestic']).default('unknown'),
    })
    .prefault({}),
  /**
   * 自動選別 (Act Art. 22): approved selection in the cyber-office role. With no valid approval
   * everything is erased (counted). Relative paths resolve against the working directory.
   */
  selection: z
    .strictObject({
      /** Public halves (PEM, Ed25519) of the commission keys approvals must be signed with. */
      commissionKeys: z.array(z.strictObject({ keyId: z.string().min(1), publicKeyFile: z.string().min(1) })).default([]),
      /** Distinct trusted signatures (and approvers) an approval needs. */
      minSignatures: z.number().int().min(1).default(1),
      /** Approvals to run, each with the criteria document it approves. */
      approvals: z.array(z.strictObject({ approvalFile: z.string().min(1), criteriaFile: z.string().min(1) })).default([]),
      /** Also every NAME.approval.json in this directory, with its criteria document NAME.criteria.json. */
      approvalsDir: z.string().min(1).optional(),
      /** Approvals the commission revoked (JSON, docs/reference/selection.md); unsigned: it can only stop selection. */
      revocationFile: z.string().min(1).optional(),
      /** Re-read approvals and revocations when their files change (fs.watch, polling where that fails); SIGHUP always reloads. */
      watchApprovals: z.boolean().default(true),
      /** HMAC key of domestic-address pseudonyms; default <dataDir>/pseudonym.key, created (0600, 32 random bytes) if missing. */
      pseudonymKeyFile: z.string().min(1).optional(),
      /** Prefix of every pseudonym ("p1:…"); change it with the key so rotations show in the data. */
      pseudonymKeyId: z.string().regex(/^[A-Za-z0-9]{1,16}$/, '1–16 letters or digits').default('p1'),
    })
    .prefault({}),
  /** Detection candidates: storage retention and STIX export (docs/reference/detections-api.md). */
  detections: z
    .strictObject({
      /**
       * Live detection in the collector's decode worker (docs/reference/detection.md): carrier role
       * over every decoded flow; cyber-office role over selected flows only (Act Art. 23).
       */
      enabled: z.boolean().default(true),
      /** Window step in seconds of flow time: a candidate is reported at most this late. */
      stepSeconds: z.number().int().min(1).max(60).default(5),
      /** Seed lists (known bots; docs/reference/detection.md for the format) loaded at start. */
      seedFiles: z.array(z.string().min(1)).default([]),
      /** Darknet (unused) prefixes: flows addressed to them feed the darknet sensor and its seeds. */
      darknetPrefixes: z.array(z.string().min(1)).default([]),
      /** Critical assets watched by the DDoS volume detector (IPv4/IPv6 prefixes). */
      criticalAssets: z.array(z.string().min(1)).default([]),
      /** Darknet sensor thresholds (docs/reference/darknet.md); the defaults are the detectors' own. */
      darknet: z
        .strictObject({
          /** Distinct darknet addresses a source must probe to count as a scanner. */
          scanMinAddresses: z.number().int().min(1).default(8),
          /** SYNs with TCP seq = destination address needed to fingerprint a Mirai-family source. */
          miraiMinPackets: z.number().int().min(1).default(2),
          /** Backscatter packets, and distinct darknet addresses they reach, needed for a DDoS victim. */
          backscatterMinPackets: z.number().int().min(1).default(10),
          backscatterMinAddresses: z.number().int().min(1).default(4),
        })
        .prefault({}),
      /** DDoS volume detector thresholds (docs/reference/ddos.md); the defaults are the detector's own. */
      ddos: z
        .strictObject({
          /** Robust deviations above the baseline that make a 10 s bucket anomalous. */
          k: z.number().positive().default(6),
          /** Absolute floors: below all of them nothing is an attack, whatever the baseline. */
          minPacketsPerSecond: z.number().min(0).default(2_000),
          minBitsPerSecond: z.number().min(0).default(20_000_000),
          minFlowsPerSecond: z.number().min(0).default(200),
          /** Buckets of baseline before relative thresholds apply (until then only 10 × the floors alert). */
          warmupBuckets: z.number().int().min(0).default(12),
          /** Distinct sources in a bucket for an HTTP flood. */
          minHttpSources: z.number().int().min(1).default(50),
        })
        .prefault({}),
      /** Expired candidates stay in history (stats, detail) this long, then are deleted. */
      retentionDays: z.number().min(0).default(30),
      stix: z
        .strictObject({
          /** Name of the producer identity every exported STIX object is created_by. */
          producer: z.string().min(1).max(200).default('Sakimori'),
          /** TLP marking of the export unless the request asks for another. */
          tlp: z.enum(['white', 'green', 'amber', 'red']).default('amber'),
        })
        .prefault({}),
    })
    .prefault({}),
  /**
   * C&C list sharing (docs/reference/sharing.md). On the hub: `enabled`, its key and the carriers'
   * public keys. On a carrier: `carrierId`, `url` and `carrierKeyFile` for `sakimori hub push`.
   */
  hub: z
    .strictObject({
      /** Run as a hub: accept carriers' signed lists, merge, vet and redistribute. */
      enabled: z.boolean().default(false),
      hubId: keyId.default('sakimori-hub'),
      /** The hub's Ed25519 signing key (PKCS#8 PEM, 0600); default <dataDir>/hub-signing.key, created if missing. */
      signingKeyFile: z.string().min(1).optional(),
      /** Carriers allowed to submit, each with the public half (SPKI PEM) of its signing key. */
      carriers: z.array(z.strictObject({ carrierId: keyId, publicKeyFile: z.string().min(1) })).default([]),
      /** Submissions generated longer ago than this are refused (stale). */
      maxSubmissionAgeSeconds: z.number().int().min(1).default(3600),
      maxEntriesPerSubmission: z.number().int().min(1).max(100_000).default(100_000),
      /** A carrier's report counts half as much after this long without refresh. */
      recencyHalfLifeHours: z.number().positive().default(24),
      /** Known-benign addresses/ranges never published (public resolvers, NTP; add your CDNs). */
      allowlist: z.array(z.string().refine((s) => parseCidr(s) !== null, 'an address or CIDR without host bits')).default(DEFAULT_HUB_ALLOWLIST),
      /** Carrier side: this carrier's id at the hub. */
      carrierId: keyId.optional(),
      /** Carrier side: the hub's base URL. */
      url: z.string().url().optional(),
      /** Carrier side: this carrier's Ed25519 signing key (PKCS#8 PEM, 0600). */
      carrierKeyFile: z.string().min(1).optional(),
      /** Carrier side: only c2 detections with at least this score are pushed. */
      pushMinScore: z.number().min(0).max(1).default(0),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    })
    .prefault({}),
  demo: z
    .strictObject({
      /** Replays the shipped sample captures to the collector on loopback. */
      enabled: z.boolean().default(false),
      /** Capture files or folders to replay; default: the akvorado samples beside the checkout. */
      captures: z.array(z.string()).default([]),
      /** Datagrams per second of the replay. */
      rate: z.number().positive().default(200),
    })
    .prefault({}),
});

export type SakimoriConfig = z.infer<typeof configSchema>;
export type ListenerConfig = z.infer<typeof listenerSchema>;
