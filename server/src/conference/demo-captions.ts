import type { Logger } from 'pino';
import { PlenaryError, PRESIDER } from '@plenary/shared';
import type { MediaHost } from '../media/host';
import type { ConferenceService } from './service';

/** What the demo's simulated captioners type, in turn, in both channels. */
const LINES: { zh: string; en: string }[] = [
  { zh: '各位代表，上午好。', en: 'Good morning, delegates.' },
  { zh: '现在开会。', en: 'The session is now open.' },
  { zh: '首先请吉林市分会场发言。', en: 'First, the floor goes to the Jilin City sub-venue.' },
  { zh: '请各分会场保持麦克风静音。', en: 'Sub-venues, please keep your microphones muted.' },
  { zh: '下面进行第二项议程。', en: 'We now turn to the second item on the agenda.' },
  { zh: '请四平分会场准备发言。', en: 'Siping, please get ready to speak.' },
  { zh: '感谢各位的发言。', en: 'Thank you for your contributions.' },
  { zh: '会议继续进行。', en: 'The session continues.' },
];

/** A line every few seconds: as a stenographer keeps up with a speaker. */
const EVERY_MS = 3000;

/**
 * The demo's simulated captioners: a Chinese and an English captions channel,
 * and a line every three seconds in each, so that a newcomer sees the captions
 * menu and captions working at once. Only the process hosting the demo's
 * broadcast types (several processes share one demo). Owns its timer: stop().
 */
export class DemoCaptionFeed {
  private timer: NodeJS.Timeout | undefined;
  private next = 0;

  private constructor(
    private readonly conferenceId: string,
    private readonly host: MediaHost,
    private readonly logger: Logger,
  ) {}

  static async start(conferences: ConferenceService, host: MediaHost, conferenceId: string, logger: Logger): Promise<DemoCaptionFeed> {
    for (const [language, name] of [['zh', '中文'], ['en', 'English']] as const) {
      if ((await conferences.get(conferenceId))?.captions?.[`cc-${language}`]) continue;
      const answer = await conferences.execute(conferenceId, PRESIDER, { type: 'addCaptionChannel', language, name });
      // Another server process of the same demo added it first: fine.
      if (!answer.ok && answer.error.code !== 'CONFLICT') logger.warn({ error: answer.error }, 'the demo captions channel was not added');
    }
    const feed = new DemoCaptionFeed(conferenceId, host, logger);
    feed.timer = setInterval(() => void feed.type(), EVERY_MS);
    return feed;
  }

  private async type(): Promise<void> {
    if (!this.host.hosts(this.conferenceId)) return;
    const line = LINES[this.next++ % LINES.length] as { zh: string; en: string };
    const at = Date.now();
    for (const [channelId, text] of [['cc-zh', line.zh], ['cc-en', line.en]] as const) {
      await this.host.caption(this.conferenceId, channelId, { at, text }).catch((error: unknown) => {
        // Not broadcasting yet, or the channel not on the broadcast yet: the next line will be.
        if (!(error instanceof PlenaryError)) this.logger.warn({ err: error }, 'a demo caption line was not sent');
      });
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
