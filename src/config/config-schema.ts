import { z } from 'zod';

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
