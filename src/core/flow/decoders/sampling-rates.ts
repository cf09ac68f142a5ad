/**
 * Sampling rates an exporter announced in options data records (RFC 3954 §6.2 option data,
 * RFC 7011 §3.4.2.2 / RFC 5476 selector reports), per observation domain and sampler id.
 * Sampler id 0 stands for "no sampler id": the rate of the domain as a whole.
 */
export class SamplingRates {
  readonly #byDomain = new Map<number, Map<number, number>>();

  set(domain: number, samplerId: number, rate: number): void {
    let m = this.#byDomain.get(domain);
    if (m === undefined) {
      m = new Map();
      this.#byDomain.set(domain, m);
    }
    m.set(samplerId, rate);
  }

  /** The domain's rates by sampler id, looked up once per data set. */
  forDomain(domain: number): ReadonlyMap<number, number> | undefined {
    return this.#byDomain.get(domain);
  }
}

/**
 * 1-in-N rate from sampling parameters; 0 when they give none.
 * samplingPacketInterval/Space (RFC 5476 §6.5.2): select `interval` packets, skip `space`, so
 * N = (interval + space) / interval. samplingSize/Population (RFC 5476 §6.5.4): N = population / size.
 */
export function rateOf(interval: number, packetInterval: number, packetSpace: number, size: number, population: number): number {
  if (interval > 0) return interval;
  if (packetInterval > 0) return (packetInterval + packetSpace) / packetInterval;
  if (size > 0 && population > 0) return population / size;
  return 0;
}
