/**
 * Suspected botnet family of a C&C candidate from its service port, only where a public source
 * fixes that port. The basis of each entry is in docs/reference/detection.md ("Family hints").
 * A hint, never a verdict: many variants change the port.
 */
const TCP = 6;

const FAMILY_BY_TCP_PORT = new Map<number, string>([
  // Mirai (2016 public source, bot/table.c): TABLE_CNC_PORT 23 — bots connect to the C&C on tcp/23.
  [23, 'mirai'],
  // Mirai: TABLE_SCAN_CB_PORT 48101 — bots report brute-forced credentials to the report server.
  [48101, 'mirai'],
]);

export function suspectedFamily(proto: number, port: number): string | undefined {
  if (proto === TCP) return FAMILY_BY_TCP_PORT.get(port);
  return undefined;
}
