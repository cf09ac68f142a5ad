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
