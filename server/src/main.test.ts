import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

// The real entry point as `npm start` runs it (built by `npm test` before jest starts).
const MAIN = join(__dirname, '..', 'dist', 'main.js');

function startMain(env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [MAIN], {
    cwd: join(__dirname, '..', '..'),
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return { child, output: () => ({ stdout, stderr }) };
}

describe('npm start', () => {
  it('stops at once with a message naming the variable when the config is invalid', async () => {
    const { child, output } = startMain({ PORT: 'eighty' });
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    expect(output().stderr).toContain('PORT must be a whole number from 0 to 65535 (got "eighty")');
  });

  it('prints where to go and the generated admin key, serves health, and stops cleanly on SIGTERM', async () => {
    const { child, output } = startMain({ HOST: '127.0.0.1', PORT: '0', RTC_PORT: '0', MEDIASOUP_WORKERS: '1', BROADCAST_LADDER: 'off' });
    try {
      const deadline = Date.now() + 30_000;
      while (!output().stdout.includes('Admin key') && Date.now() < deadline && child.exitCode === null) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const { stdout } = output();
      expect(stdout).toContain('Plenary is running');
      expect(stdout).toMatch(/Admin key \(generated for this run.*\): \S{16,}/);
      const listening = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
      expect(listening).toBeDefined();
      const health = await fetch(`${listening}/healthz`);
      expect(health.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });
});
