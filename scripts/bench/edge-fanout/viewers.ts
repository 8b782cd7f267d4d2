// Simulated LL-HLS viewers for the edge fan-out benchmark, run as a child
// process: each viewer polls a media playlist the way hls.js does in
// low-latency mode (a blocking reload for the hinted part, then that part),
// through the edge. Reports request counts and failures to the driver, and the
// longest run of failures in a row any viewer had (does a viewer recover?).
import { Agent, request } from 'undici';

interface Start {
  type: 'start';
  playlistUrl: string;
  viewers: number;
  seconds: number;
}

const agent = new Agent({ connections: null, pipelining: 1, keepAliveTimeout: 30_000 });
let requests = 0;
let failures = 0;
let longestFailureRun = 0;

async function getCounted(url: string, run: { failed: number }): Promise<string | undefined> {
  requests++;
  const failed = () => {
    failures++;
    longestFailureRun = Math.max(longestFailureRun, ++run.failed);
    return undefined;
  };
  try {
    const res = await request(url, { dispatcher: agent });
    const body = await res.body.text();
    if (res.statusCode !== 200) return failed();
    run.failed = 0;
    return body;
  } catch {
    return failed();
  }
}

async function viewer(playlistUrl: string, until: number): Promise<void> {
  const base = playlistUrl.slice(0, playlistUrl.lastIndexOf('/') + 1);
  let query = '';
  const run = { failed: 0 };
  const get = (url: string) => getCounted(url, run);
  while (Date.now() < until) {
    const playlist = await get(`${playlistUrl}${query}`);
    const hint = playlist && /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part-(\d+)-(\d+)\.m4s"/.exec(playlist);
    if (!hint) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      query = '';
      continue;
    }
    await get(`${base}part-${hint[1]}-${hint[2]}.m4s`);
    query = `?_HLS_msn=${hint[1]}&_HLS_part=${hint[2]}`;
  }
}

process.on('message', async (message: Start) => {
  if (message.type !== 'start') return;
  const until = Date.now() + message.seconds * 1000;
  // Viewers join over two seconds, as a real audience does not arrive in one millisecond.
  await Promise.all(
    Array.from({ length: message.viewers }, (_, i) =>
      new Promise((resolve) => setTimeout(resolve, (i / message.viewers) * 2000)).then(() => viewer(message.playlistUrl, until)),
    ),
  );
  process.send?.({ requests, failures, longestFailureRun });
  await agent.close();
  process.exit(0);
});
