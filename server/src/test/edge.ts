import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnTied, freeTcpPort } from '@plenary/sfu';

const RUN = join(__dirname, '..', '..', '..', 'scripts', 'edge', 'run.sh');

/** A real nginx edge in front of a test origin (or several: its upstream), started with scripts/edge/run.sh and owned by the test. */
export async function startEdge(originUrl: string | string[]): Promise<{ url: string; accessLog(): Promise<string[]>; stop(): Promise<void> }> {
  const port = await freeTcpPort();
  const dir = await mkdtemp(join(tmpdir(), 'plenary-edge-test-'));
  const origins = (Array.isArray(originUrl) ? originUrl : [originUrl]).map((url) => new URL(url).host).join(',');
  const edge = spawnTied('bash', [RUN, origins, String(port), dir], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await fetch(`${url}/`);
      break;
    } catch {
      if (Date.now() > deadline || edge.exitCode !== null) throw new Error('the edge did not start');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    url,
    accessLog: async () => (await readFile(join(dir, 'access.log'), 'utf8').catch(() => '')).split('\n').filter(Boolean),
    stop: async () => {
      if (edge.exitCode === null) {
        const exited = once(edge, 'exit');
        edge.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
