// Simulated LL-HLS viewers for the ownership benchmark: each polls a media
// playlist through the edge as hls.js does in low-latency mode (a blocking
// reload for the hinted part, then the part) and notes when it got each new
// part, so the driver can say, for any moment of the run, how long viewers
// went without one and how many requests failed.
import { Agent, request } from 'undici';

const agent = new Agent({ connections: null, pipelining: 1, keepAliveTimeout: 30_000 });

export class SimulatedViewers {
  /** When each viewer got each new part (ms since the epoch), per viewer. */
  readonly partsAt: number[][] = [];
  /** When a request failed (not 200). */
  readonly failuresAt: number[] = [];
  /** What failed, by status and kind of request (e.g. "404 part"): how many times. */
  readonly failureKinds: Record<string, number> = {};
  private running = true;
  private readonly done: Promise<void>;

  constructor(playlistUrl: string, count: number) {
    this.done = Promise.all(Array.from({ length: count }, (_, i) => this.viewer(playlistUrl, i))).then(() => undefined);
  }

  /** The longest any viewer went without a new part in [from, to] (counting from its last part before `from`). */
  longestGapMs(from: number, to: number): number {
    let longest = 0;
    for (const parts of this.partsAt) {
      let previous = parts.filter((at) => at < from).at(-1) ?? from;
      for (const at of parts.filter((t) => t >= from && t <= to)) {
        longest = Math.max(longest, at - previous);
        previous = at;
      }
      longest = Math.max(longest, Math.min(to, Date.now()) - previous);
    }
    return longest;
  }

  failuresBetween(from: number, to: number): number {
    return this.failuresAt.filter((at) => at >= from && at <= to).length;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
    await agent.close();
  }

  private async get(url: string): Promise<string | undefined> {
    let status = 'no answer';
    try {
      const res = await request(url, { dispatcher: agent, headersTimeout: 15_000, bodyTimeout: 15_000 });
      const body = await res.body.text();
      if (res.statusCode === 200) return body;
      status = String(res.statusCode);
    } catch {
      // counted below
    }
    this.failuresAt.push(Date.now());
    const kind = `${status} ${url.includes('.m3u8') ? (url.includes('_HLS_msn') ? 'blocking playlist' : 'playlist') : 'part'}`;
    this.failureKinds[kind] = (this.failureKinds[kind] ?? 0) + 1;
    return undefined;
  }

  private async viewer(playlistUrl: string, index: number): Promise<void> {
    const parts: number[] = [];
    this.partsAt[index] = parts;
    const base = playlistUrl.slice(0, playlistUrl.lastIndexOf('/') + 1);
    let query = '';
    while (this.running) {
      const playlist = await this.get(`${playlistUrl}${query}`);
      const hint = playlist && /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part-(\d+)-(\d+)\.m4s"/.exec(playlist);
      if (!hint) {
        // As a player does after an error: wait, then reload the playlist without blocking.
        await new Promise((resolve) => setTimeout(resolve, 500));
        query = '';
        continue;
      }
      if ((await this.get(`${base}part-${hint[1]}-${hint[2]}.m4s`)) !== undefined) {
        parts.push(Date.now());
        // The playlist that has this part (and hints the next one): a blocking reload.
        query = `?_HLS_msn=${hint[1]}&_HLS_part=${hint[2]}`;
      } else {
        // As hls.js does after a failed part: a moment, then the playlist again.
        await new Promise((resolve) => setTimeout(resolve, 250));
        query = '';
      }
    }
  }
}
