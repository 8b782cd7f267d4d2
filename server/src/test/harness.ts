import pino from 'pino';
import { loadConfig, type Config } from '../app/config';
import { startPlenary, type Plenary } from '../app/plenary';

export const TEST_ADMIN_KEY = 'test-admin-key-0123456789';

/** A config for a test server: loopback only, free ports, one worker. */
export function testConfig(overrides: NodeJS.ProcessEnv = {}): Config {
  return loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    RTC_PORT: '0',
    MEDIASOUP_WORKERS: '1',
    ANNOUNCED_IP: '127.0.0.1',
    PLENARY_ADMIN_KEY: TEST_ADMIN_KEY,
    ...overrides,
  });
}

/** Starts a real Plenary for a test; the caller closes it. */
export function startTestPlenary(overrides: NodeJS.ProcessEnv = {}): Promise<Plenary> {
  return startPlenary(testConfig(overrides), pino({ level: process.env.LOG_LEVEL ?? 'silent' }));
}
