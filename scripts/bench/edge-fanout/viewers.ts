// Simulated LL-HLS viewers for the edge fan-out benchmark, run as a child
// process: each viewer polls a media playlist the way hls.js does in
// low-latency mode (a blocking reload for the hinted part, then that part),
// through the edge. Reports request counts and failures to the driver, and the
// longest any viewer went without a new part (does a viewer recover, and when?).
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
/** The longest time any viewer went without a new part, once it had its first (ms). */
let longestStallMs = 0;

async function get(url: string): Promise<string | undefined> {
  requests++;
  try {
    const res = await request(url, { dispatcher: agent });
    const body = await res.body.text();
    if (res.statusCode === 200) return body;
  } catch {
    // counted below
  }
  failures++;
  return undefined;
}

async function viewer(playlistUrl: string, until: number): Promise<void> {
  const base = playlistUrl.slice(0, playlistUrl.lastIndexOf('/') + 1);
  let query = '';
  let lastPartAt: number | undefined;
  while (Date.now() < until) {
    const playlist = await get(`${playlistUrl}${query}`);
    const hint = playlist && /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part-(\d+)-(\d+)\.m4s"/.exec(playlist);
    if (!hint) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      query = '';
      continue;
    }
    if ((await get(`${base}part-${hint[1]}-${hint[2]}.m4s`)) !== undefined) {
      const at = Date.now();
      if (lastPartAt !== undefined) longestStallMs = Math.max(longestStallMs, at - lastPartAt);
      lastPartAt = at;
    }
    query = `?_HLS_msn=${hint[1]}&_HLS_part=${hint[2]}`;
  }
  // A viewer stuck at the end has stalled since its last part.
  if (lastPartAt !== undefined) longestStallMs = Math.max(longestStallMs, Date.now() - lastPartAt);
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
  process.send?.({ requests, failures, longestStallMs });
  await agent.close();
  process.exit(0);
});
