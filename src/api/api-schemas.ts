import { z } from '@hono/zod-openapi';

export const errorSchema = z
  .object({ code: z.string().openapi({ example: 'SAKI_ERR_FORBIDDEN' }), message: z.string(), details: z.record(z.string(), z.unknown()).optional() })
  .openapi('Error');

const counterFields = {
  datagrams: z.number(),
  bytes: z.number(),
  records: z.number(),
  malformed: z.number(),
  unknownTemplateSets: z.number(),
  unknownTemplateExpired: z.number(),
  unknownTemplateRecovered: z.number(),
  templates: z.number(),
  optionTemplates: z.number(),
  templateWithdrawals: z.number(),
  queueDropped: z.number(),
};

export const exporterCountersSchema = z.object({ exporter: z.string(), lastFormat: z.string(), lastSeen: z.number(), ...counterFields }).openapi('ExporterCounters');

export const collectorStatusSchema = z
  .object({
    role: z.enum(['carrier', 'cyber-office']),
    demo: z.boolean(),
    startedAt: z.string(),
    now: z.string(),
    listeners: z.array(z.object({ protocol: z.enum(['netflow', 'sflow']), address: z.string(), port: z.number() })),
    receiveBufferBytes: z.array(z.number()),
    decoder: z.enum(['starting', 'running', 'stopped']).openapi({ description: "The decode worker: 'starting' while it loads (datagrams received meanwhile wait in the decode queue), 'running' once it reads the queue, 'stopped' after stop or a failure" }),
    receiver: z.enum(['native-recvmmsg', 'dgram']).openapi({ description: "Receive side: the native recvmmsg thread, or Node's dgram where the native module is not built or collector.receiver is \"dgram\"" }),
    totals: z.object(counterFields),
    rates: z.object({ datagramsPerSecond: z.number(), recordsPerSecond: z.number() }),
    queue: z.object({ depth: z.number(), capacity: z.number() }),
    stored: z.number(),
    erased: z.number(),
    exporters: z.array(exporterCountersSchema),
    history: z.array(z.object({ t: z.number(), datagrams: z.number(), records: z.number(), malformed: z.number(), unknownTemplate: z.number(), dropped: z.number() })),
    hostUdpReceiveBufferErrors: z.number().nullable(),
    socketThreadDelayMs: z.object({ p99: z.number(), max: z.number() }).openapi({ description: 'Event-loop delay of the socket thread since start (ms); a long stall overflows the kernel receive buffer' }),
    /** Live detection counters; absent when detection is off. `shed`: flows skipped while decoding was behind. */
    detection: z.object({ flows: z.number(), shed: z.number(), advances: z.number(), reported: z.number(), seeds: z.number() }).optional(),
  })
  .openapi('CollectorStatus');

export const flowRecordSchema = z
  .object({
    start: z.number(),
    end: z.number(),
    exporter: z.string(),
    observationDomain: z.number(),
    source: z.enum(['netflow-v5', 'netflow-v9', 'ipfix', 'sflow-v5', 'packet']),
    ipVersion: z.union([z.literal(4), z.literal(6)]),
    src: z.string(),
    dst: z.string(),
    srcPort: z.number(),
    dstPort: z.number(),
    proto: z.number(),
    tcpFlags: z.number(),
    packets: z.number(),
    octets: z.number(),
    sampledPackets: z.number(),
    sampledOctets: z.number(),
    samplingRate: z.number(),
    inIf: z.number(),
    outIf: z.number(),
    srcAs: z.number(),
    dstAs: z.number(),
  })
  .openapi('FlowRecord');
