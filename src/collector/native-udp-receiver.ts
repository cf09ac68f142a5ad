import { isIPv6 } from 'node:net';
import { SakimoriError } from '../core/errors.js';
import type { ListenerConfig } from '../config/config-schema.js';
import type { NativeAddon, NativeUdpReceiver as NativeThread } from '../native/native-addon.js';
import { wakeReader, type RingBuffers } from './datagram-ring.js';
import type { BoundListener, DatagramReceiver } from './udp-receiver.js';

/**
 * The collector's receive side in C (native/src/udp_receiver.c): one thread takes datagrams from
 * every listener socket with recvmmsg(2) and writes them straight into the datagram ring, the
 * same entries UdpReceiver's handler writes through RingWriter. Node's per-datagram event, Buffer
 * and copy on the JS thread are gone; a full ring refuses the datagram and it is counted per
 * exporter, as before. Used when the native module is built (`collector.receiver: "auto"`).
 */
export class NativeUdpReceiver implements DatagramReceiver {
  readonly kind = 'native-recvmmsg';
  readonly #thread: NativeThread;
  readonly #bound: BoundListener[] = [];
  readonly #granted: number[] = [];
  #started = false;

  constructor(
    addon: NativeAddon,
    private readonly listeners: readonly ListenerConfig[],
    private readonly receiveBufferBytes: number,
    ring: RingBuffers,
    private readonly onDrops: (exporter: string, count: number) => void,
  ) {
    const control = new Int32Array(ring.control);
    this.#thread = addon.createUdpReceiver(new Uint8Array(ring.data), control, () => wakeReader(control));
  }

  async start(): Promise<BoundListener[]> {
    for (const l of this.listeners) {
      try {
        const [port, granted] = this.#thread.bind(l.address, l.port, isIPv6(l.address), this.receiveBufferBytes);
        this.#bound.push({ protocol: l.protocol, address: l.address, port });
        this.#granted.push(granted);
      } catch (e) {
        this.#thread.stop();
        this.#bound.length = 0;
        throw new SakimoriError('SAKI_ERR_LISTEN_FAILED', `${l.protocol} ${l.address}:${l.port}`, { cause: e });
      }
    }
    this.#thread.start();
    this.#started = true;
    return [...this.#bound];
  }

  bound(): BoundListener[] {
    return [...this.#bound];
  }

  receiveBufferSizes(): number[] {
    return [...this.#granted];
  }

  /** Hands the drops counted since the last call to `onDrops`. */
  flushDrops(): void {
    const d = this.#thread.takeDrops();
    for (let i = 0; i + 1 < d.length; i += 2) this.onDrops(d[i] as string, d[i + 1] as number);
  }

  async stop(): Promise<void> {
    if (this.#started) this.#thread.stop();
    this.#started = false;
    this.flushDrops();
  }
}
