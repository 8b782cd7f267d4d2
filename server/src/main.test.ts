import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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

  /** Waits until the server printed its links (or exited), and answers where it listens. */
  async function listeningOf(started: ReturnType<typeof startMain>): Promise<string> {
    const deadline = Date.now() + 30_000;
    while (!started.output().stdout.includes('Admin key') && Date.now() < deadline && started.child.exitCode === null) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const listening = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(started.output().stdout)?.[1];
    if (!listening) throw new Error(`not listening: ${JSON.stringify(started.output())}`);
    return listening;
  }

  it('shows a newcomer a live broadcast of the demo, its venues simulated, with nothing set but the ladder', async () => {
    const archive = await mkdtemp(join(tmpdir(), 'plenary-main-'));
    const started = startMain({ HOST: '127.0.0.1', PORT: '0', RTC_PORT: '0', MEDIASOUP_WORKERS: '1', BROADCAST_LADDER: '240p', ARCHIVE_DIR: archive });
    try {
      const url = await listeningOf(started);
      expect(started.output().stdout).toContain('simulated venues on air');
      // Within a minute of starting: the broadcast has parts (before, nothing was published until
      // DEMO_SIMULATED_VENUES was found), and the floor holder's name is in it.
      const deadline = Date.now() + 60_000;
      let playlist = '';
      while (!/#EXT-X-PART:/.test(playlist) && Date.now() < deadline) {
        const res = await fetch(`${url}/hls/demo/240p/index.m3u8`);
        playlist = res.status === 200 ? await res.text() : '';
        if (!playlist) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(playlist).toMatch(/#EXT-X-PART:/);
      expect(playlist).toContain('X-VENUE-NAME="Changchun main venue"');
    } finally {
      started.child.kill('SIGTERM');
      await once(started.child, 'exit');
      await rm(archive, { recursive: true, force: true });
    }
  });

  it('runs without the demo when a real deployment turns it off', async () => {
    const started = startMain({ HOST: '127.0.0.1', PORT: '0', RTC_PORT: '0', MEDIASOUP_WORKERS: '1', BROADCAST_LADDER: 'off', DEMO: 'off' });
    try {
      const url = await listeningOf(started);
      expect(started.output().stdout).toContain('No demo conference (DEMO=off)');
      expect((await fetch(`${url}/api/conferences/demo`)).status).toBe(404);
    } finally {
      started.child.kill('SIGTERM');
      await once(started.child, 'exit');
    }
  });
});

