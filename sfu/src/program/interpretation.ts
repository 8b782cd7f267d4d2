import { randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { ProgramTrack } from './track';
import { OpusNumbering } from './codecs';
import { PROGRAM_AUDIO_PT } from './switcher';

/** An interpretation channel as the broadcast lists it: `in-<language>`, its language and its name. */
export interface InterpretationChannelInfo {
  id: string;
  language: string;
  name: string;
}

/** One channel's feed: the interpreter's voice, or Opus silence while there is none. */
export interface InterpretationFeed {
  info: InterpretationChannelInfo;
  producer: types.Producer;
}

interface Feed extends InterpretationFeed {
  track: ProgramTrack;
  /** The interpreter's producer while one publishes. */
  interpreter: types.Producer | undefined;
}

interface FeedEvents {
  /** The set of channels changed (the broadcast encodes one audio rendition per channel). */
  changed: [];
}

const AUDIO_FRAME_TICKS = 960;

/**
 * The interpretation channels of one conference, on the program's router: per
 * channel one continuous audio track (a producer the broadcast encoder and the
 * venues consume) carrying the channel's interpreter while one publishes and
 * Opus silence otherwise, so the encoder's input never stops and a venue
 * listening to the channel keeps its consumer when the interpreter comes and goes.
 */
export class InterpretationFeeds extends EventEmitter<FeedEvents> {
  private readonly feeds = new Map<string, Feed>();
  /** Interpreters whose channel has no feed yet (a simulated one started before the channel was reconciled). */
  private readonly waiting = new Map<string, types.Producer>();
  /** Changes of the channels, one at a time. */
  private changing: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly router: types.Router,
    private readonly transport: types.DirectTransport,
    private readonly logger: Logger,
  ) {
    super();
  }

  static async create(router: types.Router, logger: Logger): Promise<InterpretationFeeds> {
    return new InterpretationFeeds(router, await router.createDirectTransport({ maxMessageSize: 262144 }), logger);
  }

  /** The channels, in the order the conference lists them. */
  list(): InterpretationFeed[] {
    return [...this.feeds.values()].map(({ info, producer }) => ({ info, producer }));
  }

  producerOf(channelId: string): types.Producer | undefined {
    return this.feeds.get(channelId)?.producer;
  }

  /** The channels as the conference has them now: a new one gets its feed, a removed one's goes. */
  setChannels(channels: readonly InterpretationChannelInfo[]): Promise<void> {
    const change = this.changing.then(() => this.change(channels));
    this.changing = change.catch(() => undefined);
    return change;
  }

  private async change(channels: readonly InterpretationChannelInfo[]): Promise<void> {
    if (this.closed) return;
    let changed = false;
    for (const [id, feed] of this.feeds) {
      const now = channels.find((c) => c.id === id);
      if (now && JSON.stringify(now) === JSON.stringify(feed.info)) continue;
      // Renamed: the new feed takes the interpreter over.
      if (now && feed.interpreter && !feed.interpreter.closed) this.wait(id, feed.interpreter);
      this.drop(id);
      changed = true;
    }
    for (const info of channels) {
      if (this.feeds.has(info.id)) continue;
      const producer = await this.transport.produce({
        kind: 'audio',
        rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: PROGRAM_AUDIO_PT, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: randomInt(1, 2 ** 31) }] },
        appData: { interpretation: info.id },
      });
      if (this.closed) return producer.close();
      const track = new ProgramTrack({
        codec: new OpusNumbering(),
        producer,
        ssrc: producer.rtpParameters.encodings?.[0]?.ssrc ?? 0,
        payloadType: PROGRAM_AUDIO_PT,
        clockRate: 48000,
        frameTicks: AUDIO_FRAME_TICKS,
        onCut: () => undefined,
        silenceFill: true,
        logger: this.logger,
      });
      this.feeds.set(info.id, { info, producer, track, interpreter: undefined });
      changed = true;
      const interpreter = this.waiting.get(info.id);
      this.waiting.delete(info.id);
      if (interpreter && !interpreter.closed) await this.setInterpreter(info.id, interpreter);
    }
    if (changed) this.emit('changed');
  }

  /** The channel's interpreter publishes (its producer on this router): the feed carries it until it goes. */
  async setInterpreter(channelId: string, producer: types.Producer): Promise<void> {
    const feed = this.feeds.get(channelId);
    if (!feed) return this.wait(channelId, producer);
    const consumer = await this.transport.consume({ producerId: producer.id, rtpCapabilities: { codecs: this.router.rtpCapabilities.codecs, headerExtensions: [] }, paused: true });
    if (this.feeds.get(channelId) !== feed) return consumer.close();
    consumer.on('producerclose', () => {
      if (feed.interpreter === producer) feed.interpreter = undefined;
      // Only if this interpreter still has the channel (another's may have taken it over meanwhile).
      if (feed.track.consumerOf(channelId) !== consumer) return;
      feed.track.removeSource(channelId);
      void feed.track.silence();
    });
    feed.interpreter = producer;
    await feed.track.addSource(channelId, consumer);
    await feed.track.switchTo(channelId);
  }

  /** Heard once the channel is there; forgotten if it goes first. */
  private wait(channelId: string, producer: types.Producer): void {
    this.waiting.set(channelId, producer);
    producer.observer.once('close', () => this.waiting.get(channelId) === producer && this.waiting.delete(channelId));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const id of [...this.feeds.keys()]) this.drop(id);
    this.transport.close();
  }

  private drop(id: string): void {
    const feed = this.feeds.get(id);
    if (!feed) return;
    this.feeds.delete(id);
    feed.track.close();
    feed.producer.close();
  }
}
