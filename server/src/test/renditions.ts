/** One look at a rendition: when, how far its newest media reaches (program date time, ms) and which part that is. */
interface Look {
  round: number;
  at: number;
  end: number;
  part: string;
}

/** What a rendition did over a watch. */
export interface RenditionRecord {
  uri: string;
  /** How far behind the first video rendition's newest media it was at worst (ms). */
  maxBehindLeaderMs: number;
  /** How far behind it at the last look (ms): whether it came back. */
  lastBehindLeaderMs: number;
  /** How far its newest media was behind the clock (ms), at each look. */
  behindClockMs: number[];
  /** The longest time (ms) between two looks that found a new part, after the first. */
  longestGapMs: number;
  looks: number;
}

/** The newest media of a media playlist: the last program date time and the parts (or segment) after it. */
export function newestEnd(playlist: string): { end: number; part: string } | undefined {
  const at = playlist.lastIndexOf('#EXT-X-PROGRAM-DATE-TIME:');
  if (at < 0) return undefined;
  const tail = playlist.slice(at);
  const start = Date.parse(tail.slice('#EXT-X-PROGRAM-DATE-TIME:'.length, tail.indexOf('\n')));
  const parts = [...tail.matchAll(/#EXT-X-PART:DURATION=([\d.]+),URI="([^"]+)"/g)];
  if (parts.length > 0) return { end: start + 1000 * parts.reduce((sum, p) => sum + Number(p[1]), 0), part: parts.at(-1)?.[2] ?? '' };
  const segment = /#EXTINF:([\d.]+),\s*\n(\S+)/.exec(tail);
  return segment ? { end: start + 1000 * Number(segment[1]), part: segment[2] ?? '' } : undefined;
}

/**
 * Follows every rendition a multivariant playlist lists (each video rung, the original audio,
 * each interpretation channel, each caption track) as a player would see them, a few times a
 * second: how far behind the first video rendition and the clock each one's newest part is, and
 * how long it went without a new part. Owned by its starter: stop().
 */
export class RenditionWatch {
  private readonly looks = new Map<string, Look[]>();
  private uris: string[] = [];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(private readonly base: string, private readonly everyMs = 250) {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    let masterAt = 0;
    for (let round = 0; this.running; round++) {
      const now = Date.now();
      if (now - masterAt > 5000) {
        masterAt = now;
        const master = await fetch(`${this.base}/master.m3u8`).then((r) => (r.ok ? r.text() : '')).catch(() => '');
        const variants = [...master.matchAll(/^([\w-]+\/index\.m3u8)$/gm)].map((m) => m[1] as string);
        const media = [...master.matchAll(/URI="([\w-]+\/index\.m3u8)"/g)].map((m) => m[1] as string);
        if (variants.length > 0) this.uris = [...new Set([...variants, ...media])];
      }
      await Promise.all(this.uris.map(async (uri) => {
        const text = await fetch(`${this.base}/${uri}`).then((r) => (r.ok ? r.text() : '')).catch(() => '');
        const newest = newestEnd(text);
        if (newest) this.looks.set(uri, [...(this.looks.get(uri) ?? []), { round, at: Date.now(), ...newest }]);
      }));
      await new Promise((resolve) => setTimeout(resolve, this.everyMs));
    }
  }

  /** Forgets what was seen so far (e.g. the start of the broadcast). */
  reset(): void {
    this.looks.clear();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** Each rendition's record, the first video rendition first. */
  records(): RenditionRecord[] {
    const leader = new Map((this.looks.get(this.uris[0] ?? '') ?? []).map((look) => [look.round, look]));
    return this.uris.map((uri) => {
      const looks = this.looks.get(uri) ?? [];
      let maxBehindLeaderMs = 0;
      let lastBehindLeaderMs = 0;
      let longestGapMs = 0;
      let changedAt: number | undefined;
      looks.forEach((look, i) => {
        // The leader's newest in the same round of looks.
        const lead = leader.get(look.round);
        if (lead) {
          lastBehindLeaderMs = lead.end - look.end;
          maxBehindLeaderMs = Math.max(maxBehindLeaderMs, lastBehindLeaderMs);
        }
        if (i > 0 && look.part !== looks[i - 1]?.part) {
          if (changedAt !== undefined) longestGapMs = Math.max(longestGapMs, look.at - changedAt);
          changedAt = look.at;
        }
      });
      // Still waiting for a new part at the last look counts too.
      const last = looks.at(-1);
      if (changedAt !== undefined && last) longestGapMs = Math.max(longestGapMs, last.at - changedAt);
      return { uri, maxBehindLeaderMs, lastBehindLeaderMs, behindClockMs: looks.map((l) => l.at - l.end), longestGapMs, looks: looks.length };
    });
  }
}
