import { isInterpretationChannelId } from '@plenary/shared';
import { HlsRendition, type Segment } from '../hls/rendition';
import type { VariantInfo } from '../hls/playlist';
import type { InterpretationChannelInfo } from '../program/interpretation';
import type { BroadcastRecording } from './recording';
import { videoCodecs, type Rung } from './ladder';

/** A rendition of the broadcast: a video rung, the audio, or an interpretation channel's audio. */
export interface BroadcastRendition {
  name: string;
  rung: Rung | undefined;
  hls: HlsRendition;
}

export interface RenditionSetOptions {
  rungs: Rung[];
  segmentSeconds: number;
  windowSegments: number;
  /** How many broadcasts of this conference came before this one: discontinuity sequences start above theirs. */
  earlierBroadcasts: number;
  recording: BroadcastRecording | undefined;
  /** Each complete segment of the first video rendition (the chapters and the captions follow it into the recording). */
  onLeaderSegment: (segment: Segment) => void;
  onPart?: (rendition: string) => void;
}

/**
 * The broadcast's renditions, in the encoder's output order: the video rungs (the first leads:
 * every other rendition's parts and numbers follow its own), the original audio, then one audio
 * rendition per interpretation channel. Each is recorded as it is packaged.
 */
export class RenditionSet {
  private renditions: BroadcastRendition[];
  /** Media sequence numbers start here (see the constructor). */
  private readonly sequenceStart: number;

  constructor(private readonly options: RenditionSetOptions) {
    // Media sequence numbers start from the clock in seconds: a segment lasts about 2 s, so a
    // broadcast started again later (a new server process for the same conference) numbers above
    // where the last one stopped. Its discontinuity sequence starts 1000 above the previous
    // broadcast's, so a player that stayed on the page sees a new timeline and follows it by
    // program date time. (It stays small: hls.js slows down with discontinuity numbers in the
    // hundreds of millions.)
    this.sequenceStart = Math.floor(Date.now() / 1000);
    this.renditions = options.rungs.map((rung, i) => ({ name: rung.name, rung, hls: this.newRendition(rung.name, { leads: i === 0 }) }));
    this.renditions.push({ name: 'audio', rung: undefined, hls: this.newRendition('audio', { follows: this.leader }) });
  }

  get all(): BroadcastRendition[] {
    return this.renditions;
  }

  /** Every rendition's packager, in the encoder's output order. */
  get packagers(): HlsRendition[] {
    return this.renditions.map((r) => r.hls);
  }

  /** The first video rendition. */
  get leader(): HlsRendition {
    return (this.renditions[0] as BroadcastRendition).hls;
  }

  /** An interpretation channel's audio rendition (its recording goes on where the channel's last one stopped). */
  forChannel(channel: InterpretationChannelInfo): BroadcastRendition {
    return { name: channel.id, rung: undefined, hls: this.newRendition(channel.id, { follows: this.leader, channel }) };
  }

  /** The interpretation channels' renditions are these now. */
  setChannels(channels: readonly BroadcastRendition[]): void {
    this.renditions = [...this.renditions.filter((r) => !isInterpretationChannelId(r.name)), ...channels];
  }

  /** The video rungs as the multivariant playlist lists them. */
  variants(): VariantInfo[] {
    return this.renditions.flatMap(({ rung }) => (rung ? [{ ...rung, codecs: videoCodecs(rung) }] : []));
  }

  /** A new encoder's output follows: every rendition marks a discontinuity. */
  discontinuity(): void {
    for (const rendition of this.renditions) rendition.hls.discontinuity();
  }

  close(): void {
    for (const rendition of this.renditions) rendition.hls.close();
  }

  /**
   * A rendition and its recording. `leads`: the leader. `follows`: an audio rendition, whose parts
   * are grouped at the leader's boundaries (so it has the leader's numbers). `channel`: an
   * interpretation channel's, whose recording is kept for the channel if it comes back.
   */
  private newRendition(name: string, { leads = false, follows, channel }: { leads?: boolean; follows?: HlsRendition; channel?: InterpretationChannelInfo }): HlsRendition {
    const { options } = this;
    const archive = options.recording?.archiveFor(name, channel);
    const onSegment = (segment: Segment, init: Buffer | undefined) => {
      archive?.add(segment, init);
      if (leads) options.onLeaderSegment(segment);
    };
    const firstDiscontinuitySequence = follows?.nextDiscontinuitySequence() ?? options.earlierBroadcasts * 1000;
    return new HlsRendition(name, { firstMsn: this.sequenceStart, firstDiscontinuitySequence, segmentTarget: options.segmentSeconds, windowSegments: options.windowSegments, onSegment, onPart: () => options.onPart?.(name), follows });
  }
}
