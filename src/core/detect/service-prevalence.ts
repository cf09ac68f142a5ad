/**
 * Prevalence of a foreign service among the internal hosts: how many internal hosts talk to it,
 * out of how many are active. One counter serves every C&C detector: the beacon detector's pair
 * table (beacon-pairs.ts) already keeps, per service (IPv4 /24, port, proto) and per endpoint,
 * the internal hosts with a live pair over its window (6 h), and the active internal hosts.
 * A popular benign service (NTP pool, update or telemetry endpoint) is contacted by a large share
 * of the internal hosts; a C&C by a botnet subset, a small share.
 */
export interface ServicePrevalence {
  /** Internal hosts with a live pair to the service of ip:port/proto (its IPv4 /24, port, proto). */
  serviceHosts(ip: string, port: number, proto: number): number;
  /** Internal hosts with a live pair to exactly ip:port/proto. */
  endpointHosts(ip: string, port: number, proto: number): number;
  /** Internal hosts with any live pair (the denominator of shares). */
  readonly activeHosts: number;
}

/** Share of the active internal hosts on the endpoint or its service, whichever is larger (0 when nobody is active). */
export function prevalenceShare(p: ServicePrevalence, ip: string, port: number, proto: number): { hosts: number; share: number } {
  const hosts = Math.max(p.serviceHosts(ip, port, proto), p.endpointHosts(ip, port, proto));
  const active = p.activeHosts;
  return { hosts, share: active > 0 ? hosts / active : 0 };
}
