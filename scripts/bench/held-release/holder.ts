// Child process of the held-release benchmark: holds N blocking playlist
// requests for one part at once (as N players, or N edges' cache-lock leaders,
// would), and while they are held, checks the server's health every 20 ms, so
// that a blocked event loop shows as a slow health check. Reports to the driver.
import { Agent, request } from 'undici';

interface Hold {
  type: 'hold';
  /** The blocking playlist URL (with _HLS_msn and _HLS_part of a part not there yet). */
  url: string;
  healthUrl: string;
  requests: number;
}

const agent = new Agent({ connections: null, pipelining: 1, keepAliveTimeout: 30_000 });

process.on('message', async (message: Hold) => {
  if (message.type !== 'hold') return;
  let answered = 0;
  let failures = 0;
  let firstAnswerAt: number | undefined;
  let lastAnswerAt = 0;
  const held = Array.from({ length: message.requests }, async () => {
    try {
      const res = await request(message.url, { dispatcher: agent });
      await res.body.text();
      if (res.statusCode !== 200) failures++;
    } catch {
      failures++;
    }
    const at = performance.now();
    firstAnswerAt ??= at;
    lastAnswerAt = at;
    answered++;
  });
  /** Each health check: when it was answered (ms since the epoch, comparable with the driver's clock) and how long it took. */
  const health: { at: number; ms: number }[] = [];
  let done = false;
  const probe = (async () => {
    while (!done) {
      const started = performance.now();
      const res = await request(message.healthUrl, { dispatcher: agent }).catch(() => undefined);
      await res?.body.text();
      health.push({ at: performance.timeOrigin + performance.now(), ms: performance.now() - started });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  process.send?.({ type: 'holding' });
  await Promise.all(held);
  done = true;
  await probe;
  process.send?.({ type: 'released', answered, failures, releaseMs: firstAnswerAt === undefined ? 0 : lastAnswerAt - firstAnswerAt, health });
});
