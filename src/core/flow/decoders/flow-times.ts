/**
 * Conversions of exported timestamps to milliseconds since the Unix epoch. FlowRecord times are
 * whole milliseconds; finer exported resolutions are truncated.
 */

const TWO_POW_32 = 0x100000000;
const TWO_POW_31 = 0x80000000;

/** Seconds between the NTP era 0 epoch (1900-01-01) and the Unix epoch. */
const NTP_UNIX_OFFSET_SECONDS = 2208988800;

/**
 * Epoch time of a sysUptime-relative timestamp (v5 first/last, v9 FIRST/LAST_SWITCHED,
 * RFC 3954 §8): header export time minus how long before the header's sysUptime it happened.
 * sysUptime is a 32-bit millisecond counter that wraps every ~49.7 days, so the difference is
 * taken modulo 2^32 and read as signed: a flow that started before the wrap (first > sysUptime
 * numerically) stays in the past, and a timestamp slightly after sysUptime (exporters that stamp
 * the header first) lands a few ms in the future instead of 49 days back.
 */
export function uptimeToEpochMs(exportMs: number, sysUptimeMs: number, timestampMs: number): number {
  let ago = (sysUptimeMs - timestampMs) >>> 0;
  if (ago >= TWO_POW_31) ago -= TWO_POW_32;
  return exportMs - ago;
}

/**
 * NTP 64-bit timestamp (RFC 7011 §6.1.9–6.1.10: dateTimeMicroseconds / dateTimeNanoseconds)
 * to epoch milliseconds. Seconds with the top bit clear are taken as NTP era 1 (after
 * 2036-02-07, RFC 4330 §3), since no flow predates 1968.
 */
export function ntpToEpochMs(seconds: number, fraction: number): number {
  const s = seconds >= TWO_POW_31 ? seconds - NTP_UNIX_OFFSET_SECONDS : seconds + TWO_POW_32 - NTP_UNIX_OFFSET_SECONDS;
  return s * 1000 + Math.floor((fraction * 1000) / TWO_POW_32);
}
