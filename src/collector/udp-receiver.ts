import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { SakimoriError } from '../core/errors.js';
import type { ListenerConfig } from '../config/config-schema.js';

export interface BoundListener {
  protocol: ListenerConfig['protocol'];
  address: string;
  port: number;
}

/** What the collector needs of its receive side: Node's dgram (UdpReceiver) or the native thread. */
export interface DatagramReceiver {
  /** Which receive side this is (shown in the collector status). */
  readonly kind: 'native-recvmmsg' | 'dgram';
  start(): Promise<BoundListener[]>;
  bound(): BoundListener[];
  /** Receive buffer sizes the kernel actually granted (it caps at net.core.rmem_max). */
  receiveBufferSizes(): number[];
  /** Brings drop counts kept outside JS up to date (nothing to do for dgram). */
  flushDrops(): void;
  stop(): Promise<void>;
}

export type DatagramHandler = (payload: Buffer, exporter: string, exporterPort: number, receivedAt: number) => void;

/**
 * Dumb receiver (Akvorado's rule): timestamp, note the exporter, hand the bytes on. No parsing here.
 * IPv6 sockets are v6-only so that "0.0.0.0:2055" and "[::]:2055" can both be bound.
 */
export class UdpReceiver implements DatagramReceiver {
  readonly kind = 'dgram';
  readonly #sockets: Socket[] = [];
  readonly #bound: BoundListener[] = [];

  constructor(
    private readonly listeners: readonly ListenerConfig[],
    private readonly receiveBufferBytes: number,
    private readonly onDatagram: DatagramHandler,
  ) {}

  async start(): Promise<BoundListener[]> {
    for (const l of this.listeners) {
      const v6 = isIPv6(l.address);
      const socket = createSocket({ type: v6 ? 'udp6' : 'udp4', ipv6Only: v6, recvBufferSize: this.receiveBufferBytes });
      socket.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo.address, rinfo.port, Date.now()));
      await new Promise<void>((resolve, reject) => {
        const fail = (e: Error) => reject(new SakimoriError('SAKI_ERR_LISTEN_FAILED', `${l.protocol} ${l.address}:${l.port}`, { cause: e }));
        socket.once('error', fail);
        socket.bind(l.port, l.address, () => {
          socket.off('error', fail);
          resolve();
        });
      }).catch(async (e: unknown) => {
        await this.stop();
        throw e;
      });
      // Errors after bind (rare: ICMP-related on some kernels) must not crash the process.
      socket.on('error', () => {});
      this.#sockets.push(socket);
      this.#bound.push({ protocol: l.protocol, address: l.address, port: socket.address().port });
    }
    return [...this.#bound];
  }

  bound(): BoundListener[] {
    return [...this.#bound];
  }

  /** Receive buffer sizes the kernel actually granted (it caps at net.core.rmem_max). */
  receiveBufferSizes(): number[] {
    return this.#sockets.map((s) => s.getRecvBufferSize());
  }

  flushDrops(): void {}

  async stop(): Promise<void> {
    await Promise.all(this.#sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
    this.#sockets.length = 0;
  }
}
