import pino from 'pino';

/** A logger for tests: silent unless LOG_LEVEL asks for output. */
export const testLogger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
