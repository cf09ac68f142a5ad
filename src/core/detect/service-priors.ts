/**
 * Soft priors on an endpoint's service port: periodic traffic to these ports is expected of
 * benign software, so regularity alone says less there. Multipliers on a beacon/fan-in score,
 * never a hard exclusion (a C&C can hide on any port); see docs/reference/detection.md.
 */
const UDP = 17;
const TCP = 6;

const PRIORS = new Map<string, number>([
  // NTP (RFC 5905): clients poll at fixed 2^n s intervals, 64–1024 s, with identical 48-byte payloads.
  [`${UDP}/123`, 0.5],
  // DNS to resolvers: periodic re-resolution by every host.
  [`${UDP}/53`, 0.5],
  [`${TCP}/53`, 0.7],
  // Web: update checks and telemetry poll over HTTPS/HTTP, but so do many C&Cs; a mild discount.
  [`${TCP}/443`, 0.85],
  [`${UDP}/443`, 0.85],
  [`${TCP}/80`, 0.9],
]);

/** Multiplier in (0, 1] for a service port; 1 when nothing is known. */
export function servicePrior(proto: number, port: number): number {
  return PRIORS.get(`${proto}/${port}`) ?? 1;
}
