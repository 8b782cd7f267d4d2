import { writeFile } from 'node:fs/promises';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import type { InterpretationFeed } from '../program/interpretation';
import type { ProgramSwitcher } from '../program/switcher';
import { plainInput, programSdp, type Input } from './encoder-inputs';

/** The program's tracks the encoder reads, and the sign-language picture as it stands when the broadcast starts. */
export type ProgramFeeds = Pick<ProgramSwitcher, 'videoProducer' | 'audioProducer' | 'mainAudioProducer' | 'signProducer' | 'signShowing' | 'signVenueId'>;

/** An interpretation channel being encoded: its feed's input and what it is encoded into. */
export interface ChannelInput<R> extends Input {
  feed: InterpretationFeed;
  rendition: R;
}

/**
 * What the broadcast's encoder reads, in its order: the program's picture, floor sound and main
 * venue's sound, each interpretation channel, and the sign-language picture while it is composed
 * into the corner; and the SDP that tells the encoder where each arrives. Changed only between
 * two encoders. `R` is what a channel is encoded into (the broadcast's rendition).
 */
export class EncoderInputSet<R> {
  private channelInputs: ChannelInput<R>[] = [];
  private corner: Input | undefined;

  private constructor(
    private readonly router: types.Router,
    private readonly program: ProgramFeeds,
    private readonly programInputs: Input[],
    readonly sdpPath: string,
    private readonly logger: Logger,
  ) {}

  static async open<R>(router: types.Router, program: ProgramFeeds, sdpPath: string, logger: Logger): Promise<EncoderInputSet<R>> {
    const inputs: Input[] = [];
    try {
      for (const producer of [program.videoProducer, program.audioProducer, program.mainAudioProducer]) inputs.push(await plainInput(router, producer));
      const set = new EncoderInputSet<R>(router, program, inputs, sdpPath, logger);
      if (program.signShowing) await set.placeCorner(true);
      return set;
    } catch (error) {
      for (const input of inputs) input.transport.close();
      throw error;
    }
  }

  /** Every input, in the encoder's order. */
  get all(): Input[] {
    return [...this.programInputs, ...this.channelInputs, ...(this.corner ? [this.corner] : [])];
  }

  get channels(): readonly ChannelInput<R>[] {
    return this.channelInputs;
  }

  get hasCorner(): boolean {
    return this.corner !== undefined;
  }

  /** Whether these feeds are the channels encoded now, in the same order. */
  encodes(feeds: readonly InterpretationFeed[]): boolean {
    return feeds.length === this.channelInputs.length && feeds.every((feed, i) => this.channelInputs[i]?.feed.producer === feed.producer);
  }

  /** The sign-language picture's input, made or closed as it is wanted (a failure leaves it out). */
  async placeCorner(wanted: boolean): Promise<void> {
    if (wanted && !this.corner) {
      this.corner = await plainInput(this.router, this.program.signProducer).catch((error: unknown) => {
        this.logger.error({ err: error }, 'could not take the sign-language picture; broadcasting without it');
        return undefined;
      });
    } else if (!wanted && this.corner) {
      this.corner.transport.close();
      this.corner = undefined;
    }
  }

  /**
   * An input for each channel (kept for a channel already encoded, `encodeInto` for a new one),
   * and the SDP written with them. All or nothing: if an input cannot be made, what was made for
   * this call is closed again. Returns what the channels that went were encoded into.
   */
  async setChannels(feeds: readonly InterpretationFeed[], encodeInto: (feed: InterpretationFeed) => R): Promise<R[]> {
    const kept = new Map(this.channelInputs.map((c) => [c.feed.producer.id, c]));
    const made = new Map<string, Input>();
    try {
      for (const feed of feeds) if (!kept.has(feed.producer.id)) made.set(feed.producer.id, await plainInput(this.router, feed.producer));
    } catch (error) {
      for (const input of made.values()) input.transport.close();
      throw error;
    }
    this.channelInputs = feeds.map((feed) => {
      const existing = kept.get(feed.producer.id);
      kept.delete(feed.producer.id);
      return existing ?? { ...(made.get(feed.producer.id) as Input), feed, rendition: encodeInto(feed) };
    });
    for (const gone of kept.values()) gone.transport.close();
    await this.writeSdp();
    return [...kept.values()].map((gone) => gone.rendition);
  }

  writeSdp(): Promise<void> {
    return writeFile(this.sdpPath, programSdp(this.all));
  }

  close(): void {
    for (const input of this.all) input.transport.close();
  }
}
