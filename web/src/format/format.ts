import type { Translate } from '../i18n/i18n-context';

const integerFormats = new Map<string, Intl.NumberFormat>();

export function formatInteger(n: number, locale: string): string {
  let f = integerFormats.get(locale);
  if (f === undefined) {
    f = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
    integerFormats.set(locale, f);
  }
  return f.format(n);
}

/** Rates: one decimal below 10 so a trickle of 0.4/s is not shown as 0. */
export function formatRate(n: number, locale: string): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: n < 10 ? 1 : 0 }).format(n);
}

export function formatPercent(ratio: number, locale: string): string {
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: ratio < 0.01 ? 2 : 1 }).format(ratio);
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** Binary units, as flow tools (nfdump, Akvorado) report volumes. */
export function formatBytes(n: number, locale: string): string {
  let v = n;
  let i = 0;
  while (v >= 1024 && i < BYTE_UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: i === 0 ? 0 : 1 }).format(v)} ${BYTE_UNITS[i]}`;
}

/** 24-hour wall-clock time, with the date only when it is not today. */
export function formatClock(epochMs: number, locale: string, now: number = Date.now()): string {
  const d = new Date(epochMs);
  const sameDay = new Date(now).toDateString() === d.toDateString();
  return d.toLocaleString(locale, {
    ...(sameDay ? {} : { year: 'numeric', month: '2-digit', day: '2-digit' }),
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/**
 * 'YYYY-MM-DD HH:MM:SS' in local time, in both languages: fixed width for table columns, and
 * unambiguous where flow timestamps from replayed captures can be years old.
 */
export function formatDateTime(epochMs: number): string {
  const d = new Date(epochMs);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function formatIso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

export function formatAgo(epochMs: number, now: number, t: Translate): string {
  if (!Number.isFinite(epochMs) || epochMs <= 0) return t('time.never');
  const s = Math.max(0, Math.round((now - epochMs) / 1000));
  if (s < 2) return t('time.justNow');
  if (s < 60) return t('time.secondsAgo', { n: s });
  if (s < 3600) return t('time.minutesAgo', { n: Math.floor(s / 60) });
  return t('time.hoursAgo', { n: Math.floor(s / 3600) });
}

export function formatDuration(ms: number, t: Translate): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (d > 0) return t('time.duration.dhm', { d, h, m });
  if (h > 0) return t('time.duration.hms', { h, m, s });
  return t('time.duration.ms', { m, s });
}

/** IANA protocol numbers most seen in flow exports; others are shown by number. */
const PROTOCOL_NAMES: Record<number, string> = {
  1: 'ICMP',
  2: 'IGMP',
  6: 'TCP',
  17: 'UDP',
  41: 'IPv6',
  47: 'GRE',
  50: 'ESP',
  51: 'AH',
  58: 'ICMPv6',
  89: 'OSPF',
  132: 'SCTP',
};

export function protocolName(proto: number): string {
  return PROTOCOL_NAMES[proto] ?? String(proto);
}

/** Ports only mean something for TCP, UDP and SCTP. */
export function hasPorts(proto: number): boolean {
  return proto === 6 || proto === 17 || proto === 132;
}

const FORMAT_NAMES: Record<string, string> = {
  'netflow-v5': 'NetFlow v5',
  'netflow-v9': 'NetFlow v9',
  ipfix: 'IPFIX',
  'sflow-v5': 'sFlow v5',
};

/** Export format as operators know it ('netflow-v9' → 'NetFlow v9'). */
export function exportFormatName(format: string): string {
  return FORMAT_NAMES[format] ?? (format === '' ? '—' : format);
}
