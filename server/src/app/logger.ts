import pino, { type Logger } from 'pino';

/** The process's root logger; components take children of it. Structured JSON on stdout. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'plenary' } });
}
