import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured logs. Callers log identifiers and counts only: never communications content,
 * flow addresses of unselected records, report bodies, passwords or tokens. The redact list is
 * a second line of defence for fields that must never appear.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const options = {
    level,
    base: { app: 'sakimori' },
    redact: { paths: ['password', 'token', 'authorization', '*.password', '*.token', '*.authorization', 'req.headers'], censor: '[redacted]' },
  };
  return destination ? pino(options, destination as never) : pino(options, pino.destination(2));
}
