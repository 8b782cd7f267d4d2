import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { freeTcpPort } from '@plenary/sfu';
import { accepts } from './redis-server';

/**
 * Debian's coturn on a free loopback port, for a test: the TURN REST API's
 * shared secret (use-auth-secret), TCP and UDP on the one port, no TLS, relaying
 * to the test's SFU on loopback and nowhere else. `log` keeps what it printed: the test reads
 * the allocations it made from it. close() stops it.
 */
export class TestTurnServer {
  readonly log: string[] = [];

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly secret: string,
  ) {}

  static async start(): Promise<TestTurnServer> {
    const port = await freeTcpPort();
    const secret = randomBytes(24).toString('base64url');
    const child = spawn('turnserver', [
      '-n', '--listening-ip=127.0.0.1', '--relay-ip=127.0.0.1', `--listening-port=${port}`, '--realm=plenary.test',
      '--use-auth-secret', `--static-auth-secret=${secret}`,
      // As docker-compose runs it: relaying to the SFU's address only (here loopback), nowhere else.
      '--allow-loopback-peers', '--denied-peer-ip=0.0.0.0-255.255.255.255', '--allowed-peer-ip=127.0.0.1', '--no-tls', '--no-dtls', '--no-cli',
      '--no-software-attribute', '--log-file=stdout', '--simple-log', '--verbose',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    const turn = new TestTurnServer(child, port, secret);
    const keep = (chunk: Buffer) => turn.log.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const deadline = Date.now() + 10_000;
    while (!(await accepts(port))) {
      if (child.exitCode !== null) throw new Error(`turnserver exited ${child.exitCode}: ${turn.log.slice(-5).join(' | ')}`);
      if (Date.now() > deadline) throw new Error('turnserver did not start; is the coturn package installed?');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return turn;
  }

  async close(): Promise<void> {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGTERM');
    });
  }
}
