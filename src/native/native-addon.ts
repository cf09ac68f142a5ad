/**
 * Loader of Sakimori's optional native accelerators (native/, built by `npm run build:native`,
 * which `npm install` runs). Each accelerator has a TypeScript twin with the same results, so a
 * machine without a C compiler runs Sakimori unchanged, only slower. `SAKIMORI_NATIVE=0` turns the
 * module off; `SAKIMORI_REQUIRE_NATIVE=1` makes its absence an error (CI sets it, so a build that
 * quietly failed cannot pass for a native run).
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SakimoriError } from '../core/errors.js';
import type { CidrLookupAccelerator } from '../core/selection/cidr-set.js';
import type { PseudonymAccelerator } from '../core/selection/pseudonym.js';

/** The native UDP receive thread (native/src/udp_receiver.c); see src/collector/native-udp-receiver.ts. */
export interface NativeUdpReceiver {
  /** Binds one more listener socket; returns [bound port, receive buffer bytes the kernel granted]. Throws SAKI_ERR_LISTEN_FAILED. */
  bind(address: string, port: number, ipv6: boolean, recvBufferBytes: number): [number, number];
  /** Starts the receive thread (after every bind). */
  start(): void;
  /** Stops the thread and closes the sockets; returns when the thread has ended. */
  stop(): void;
  /** Datagrams refused by a full ring since the last call, per exporter: [exporter, count, …]; "" is the bucket past 10,000 exporters. */
  takeDrops(): (string | number)[];
}

/** `createPseudonymHasher` (PseudonymAccelerator): HMAC-SHA-256 pseudonyms from the key's midstates, in C. */
export interface NativeAddon extends PseudonymAccelerator, CidrLookupAccelerator {
  /** True when SHA-256 runs on the CPU's SHA extensions, false on the portable C path. */
  sha256Accelerated(): boolean;
  /** Test hook: force the portable C path (or return to detection). */
  forcePortableSha256(on: boolean): void;
  /** How many listener sockets one receive thread polls (the collector uses dgram beyond it). */
  readonly maxUdpListeners: number;
  /** A receive thread writing into the datagram ring whose data and control words these views cover; `wake` is called on the JS thread when the reader sleeps. */
  createUdpReceiver(ringData: Uint8Array, ringControl: Int32Array, wake: () => void): NativeUdpReceiver;
}

export interface NativeStatus {
  loaded: boolean;
  /** Why it is not loaded: 'disabled' (SAKIMORI_NATIVE=0), 'not-built', or the load error's code. */
  reason?: string;
  sha256?: 'sha-extensions' | 'portable';
}

const MODULE_FILE = fileURLToPath(new URL('../../../native/build/Release/sakimori_native.node', import.meta.url));

let loaded: { addon: NativeAddon | undefined; status: NativeStatus } | undefined;

function load(): { addon: NativeAddon | undefined; status: NativeStatus } {
  if (process.env.SAKIMORI_NATIVE === '0') return { addon: undefined, status: { loaded: false, reason: 'disabled' } };
  if (!existsSync(MODULE_FILE)) return required({ addon: undefined, status: { loaded: false, reason: 'not-built' } });
  try {
    const addon = createRequire(import.meta.url)(MODULE_FILE) as NativeAddon;
    return { addon, status: { loaded: true, sha256: addon.sha256Accelerated() ? 'sha-extensions' : 'portable' } };
  } catch (e) {
    return required({ addon: undefined, status: { loaded: false, reason: (e as { code?: string }).code ?? 'load-failed' } });
  }
}

function required(r: { addon: undefined; status: NativeStatus }): { addon: undefined; status: NativeStatus } {
  if (process.env.SAKIMORI_REQUIRE_NATIVE === '1') {
    throw new SakimoriError('SAKI_ERR_NATIVE_UNAVAILABLE', `native accelerators required (SAKIMORI_REQUIRE_NATIVE=1) but ${r.status.reason}`);
  }
  return r;
}

/** The native module, or undefined when it is off, not built or not loadable (then the TypeScript paths run). */
export function nativeAddon(): NativeAddon | undefined {
  loaded ??= load();
  return loaded.addon;
}

export function nativeStatus(): NativeStatus {
  loaded ??= load();
  return { ...loaded.status };
}
