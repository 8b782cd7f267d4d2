import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..', '..');

/** `docker compose` where the plugin exists, else Debian's docker-compose (no engine runs here). */
async function composeCommand(): Promise<string[]> {
  try {
    await run('docker', ['compose', 'version']);
    return ['docker', 'compose'];
  } catch {
    return ['docker-compose'];
  }
}

async function compose(args: string[], env: NodeJS.ProcessEnv) {
  const [command, ...prefix] = await composeCommand();
  return run(command as string, [...prefix, ...args], { cwd: ROOT, env: { PATH: process.env.PATH, ...env } });
}

describe('docker-compose.yml', () => {
  const secrets = { PLENARY_ADMIN_KEY: 'compose-admin-key-0123', TURN_SECRET: 'compose-turn-secret-0123' };

  it('is valid and defines redis, two Plenary processes on Redis state, a TURN server and an edge with both as origins', async () => {
    const services = await compose(['config', '--services'], secrets);
    expect(services.stdout.trim().split('\n').sort()).toEqual(['edge', 'plenary-1', 'plenary-2', 'redis', 'turn']);
    const { stdout } = await compose(['config'], secrets);
    // Both processes give venues the TURN server, signed with the secret coturn checks; coturn relays to the SFU only.
    expect(stdout.match(/TURN_URLS: turn:127\.0\.0\.1:3478\?transport=udp,turn:127\.0\.0\.1:3478\?transport=tcp/g)).toHaveLength(2);
    expect(stdout.match(/TURN_SECRET: compose-turn-secret-0123/g)).toHaveLength(2);
    expect(stdout).toContain('--static-auth-secret=compose-turn-secret-0123');
    expect(stdout).toMatch(/--denied-peer-ip=0\.0\.0\.0-255\.255\.255\.255[\s\S]*--allowed-peer-ip=127\.0\.0\.1/);
    expect(stdout.match(/REDIS_URL: redis:\/\/redis:6379/g)).toHaveLength(2);
    // Each process says how the other reaches it, and has WebRTC ports of its own.
    expect(stdout).toContain('INTERNAL_URL: http://plenary-1:8080');
    expect(stdout).toContain('INTERNAL_URL: http://plenary-2:8080');
    expect(stdout).toMatch(/RTC_PORT: '40000'[\s\S]*RTC_PORT: '40010'/);
    expect(stdout).toMatch(/PLENARY_UPSTREAM_SERVERS: server plenary-1:8080 [^\n]*\n?\s*server plenary-2:8080/);
  });

  it('refuses to start without an admin key or a TURN secret rather than run with none', async () => {
    await expect(compose(['config'], { TURN_SECRET: secrets.TURN_SECRET })).rejects.toMatchObject({ stderr: expect.stringContaining('PLENARY_ADMIN_KEY') });
    await expect(compose(['config'], { PLENARY_ADMIN_KEY: secrets.PLENARY_ADMIN_KEY })).rejects.toMatchObject({ stderr: expect.stringContaining('TURN_SECRET') });
  });

  it('builds its images from files that exist, with the worker built by the same setup script', () => {
    const plenaryDockerfile = readFileSync(join(ROOT, 'deploy/plenary.Dockerfile'), 'utf8');
    expect(plenaryDockerfile).toMatch(/^FROM node:20-bookworm/m);
    expect(plenaryDockerfile).toContain('bash scripts/setup.sh');
    const edgeDockerfile = readFileSync(join(ROOT, 'deploy/edge.Dockerfile'), 'utf8');
    const template = /COPY (\S+)/.exec(edgeDockerfile)?.[1] as string;
    expect(existsSync(join(ROOT, template))).toBe(true);
    expect(readFileSync(join(ROOT, template), 'utf8')).toContain('proxy_cache_lock on;');
  });
});
