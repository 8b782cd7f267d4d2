import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { HlsRendition, type Segment } from '../hls/rendition';
import { multivariantPlaylist } from '../hls/playlist';
import { BroadcastOrigin } from '../hls/origin';
import type { CaptionTrackInfo, Cue } from '../hls/captions';
import { CaptionChannels } from './caption-channels';
import { CHAPTERS, MULTIVARIANT_PLAYLIST } from '../hls/names';
import { RenditionArchive } from '../archive/recorder';
import { ChapterBook } from '../archive/chapters';
import type { ProgramSwitcher } from '../program/switcher';
import { TimedMetadata } from './timed-metadata';
import type { InterpretationFeed, InterpretationFeeds } from '../program/interpretation';
import { TiedProcess } from '../net/tied-process';
import { waitUntilUdpBound } from '../net/ports';
import { LOOPBACK, plainInput, programSdp, type Input } from './encoder-inputs';
import { StepWatch } from './step-watch';
import { AUDIO_BITRATE, AUDIO_CODECS, ladderArgs, videoCodecs, type Rung } from './ladder';

export interface BroadcastOptions {
  rungs: Rung[];
  /** Seconds (video fragments); audio uses 0.48 s. */
  partSeconds: number;
  segmentSeconds: number;
  windowSegments: number;
  /** Where the full recording goes (one folder per rendition); none: no recording. */
  archiveDir?: string;
  logger: Logger;
  /** How many broadcasts of this conference came before this one (recordings on disk). */
  earlierBroadcasts?: number;
  /** Told of every LL-HLS part published, by rendition (metrics). */
  onPart?: (rendition: string) => void;
  /** Told when a dead encoder is started again (metrics). */
  onRestart?: () => void;
  /** Told of each rendition that stopped making parts while the picture went on (metrics); the encoder starts again. */
  onOutOfStep?: (rendition: string) => void;
}


/** A rendition of the broadcast: a video rung, the audio, or an interpretation channel's audio. */
export interface BroadcastRendition {
  name: string;
  rung: Rung | undefined;
  hls: HlsRendition;
}


/** An interpretation channel being encoded: its feed's input and its audio rendition. */
interface ChannelInput extends Input {
  feed: InterpretationFeed;
  rendition: BroadcastRendition;
}

/** How soon a dead encoder is started again. */
const RESTART_DELAY_MS = 500;
/**
 * Encoder restarts for renditions out of step come at most this often: a machine too loaded to
 * keep the audio flowing would otherwise restart it over and over, every viewer stalling each time.
 */
const OUT_OF_STEP_RESTART_EVERY_MS = 30_000;

/**
 * The live broadcast of one conference: the program (video and both audio
 * tracks) goes over RTP into one ffmpeg that encodes the ABR ladder and writes
 * each rendition as fragmented MP4 to its own pipe, packaged as LL-HLS in
 * memory. Owns the encoder: restarts it if it dies (the renditions mark a
 * discontinuity and keep their media sequence numbers) and stops it on close().
 */
export class Broadcast {
  /** The video rungs, the audio, then the interpretation channels (replaced when the channels change). */
  renditions: BroadcastRendition[];
  /** Media sequence numbers start here (see the constructor). */
  private readonly sequenceStart: number;
  private ffmpeg: TiedProcess | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** How many times the encoder was restarted after dying. */
  restarts = 0;
  private readonly archives: RenditionArchive[] = [];
  /** Who speaks, and when the sign-language picture is on: the playlists' timed metadata. */
  private readonly metadata: TimedMetadata;
  /** What the HTTP origin serves of this broadcast: playlists and media objects. */
  readonly origin: BroadcastOrigin;
  /** The recording's chapters, one per speech (none without a recording). */
  private readonly chapters: ChapterBook | undefined;
  /** The captions channels, each a WebVTT rendition in step with the first video rendition. */
  private readonly captions: CaptionChannels;
  private masterWrites: Promise<void> = Promise.resolve();
  /** The interpretation channels encoded now, in the encoder's order. */
  private channels: ChannelInput[] = [];
  /** Every interpretation channel this broadcast recorded (kept when the channel goes). */
  private readonly channelArchives = new Map<string, { archive: RenditionArchive; info: InterpretationFeed['info'] }>();
  /** Changes of the interpretation channels, one at a time. */
  private reconfiguring: Promise<void> = Promise.resolve();
  private feeds: InterpretationFeeds | undefined;
  /** The sign-language picture's input while it is composed into the program's corner. */
  private corner: Input | undefined;
  /** Whether the sign-language picture should be in the corner (its venue publishes one). */
  private cornerWanted = false;
  /** Whether every rendition keeps making parts with the picture (the encoder starts again if not). */
  private readonly stepWatch: StepWatch;
  private restartingOutOfStep = false;
  private lastOutOfStepRestart = Number.NEGATIVE_INFINITY;

  private constructor(
    private readonly router: types.Router,
    private readonly program: ProgramSwitcher,
    private readonly inputs: Input[],
    private readonly sdpPath: string,
    private readonly dir: string,
    private readonly options: BroadcastOptions,
  ) {
    // Media sequence numbers start from the clock in seconds: a segment lasts about 2 s, so a
    // broadcast started again later (a new server process for the same conference) numbers above
    // where the last one stopped. Its discontinuity sequence starts 1000 above the previous
    // broadcast's, so a player that stayed on the page sees a new timeline and follows it by
    // program date time. (It stays small: hls.js slows down with discontinuity numbers in the
    // hundreds of millions.)
    this.sequenceStart = Math.floor(Date.now() / 1000);
    this.chapters = options.archiveDir ? new ChapterBook(join(options.archiveDir, CHAPTERS), options.logger) : undefined;
    this.metadata = new TimedMetadata(2 * options.windowSegments * options.segmentSeconds * 1000, this.chapters);
    this.captions = new CaptionChannels({ archiveDir: options.archiveDir, segmentSeconds: options.segmentSeconds, logger: options.logger });
    this.renditions = options.rungs.map((rung, i) => ({ name: rung.name, rung, hls: this.newRendition(rung.name, { leads: i === 0 }) }));
    this.renditions.push({ name: 'audio', rung: undefined, hls: this.newRendition('audio', { follows: this.leader }) });
    this.origin = new BroadcastOrigin(() => this.renditions.map((r) => r.hls), {
      partTarget: options.partSeconds,
      segmentTarget: options.segmentSeconds,
      multivariant: () => this.multivariant(),
      dateRanges: () => this.metadata.ranges(),
      subtitles: () => this.captions.renditions,
    });
    this.stepWatch = new StepWatch(() => this.renditions.map((r) => r.hls), this.onOutOfStep);
  }

  /** The first video rendition: every other rendition's parts and numbers follow its own. */
  private get leader(): HlsRendition {
    return (this.renditions[0] as BroadcastRendition).hls;
  }

  /**
   * A rendition and its recording. `leads`: the leader, whose segments drive the chapters and
   * the captions' recording. `follows`: an audio rendition, whose parts are grouped at the
   * leader's boundaries (so it has the leader's numbers). `channel`: an interpretation
   * channel's, whose recording is kept for the channel if it comes back.
   */
  private newRendition(name: string, { leads = false, follows, channel }: { leads?: boolean; follows?: HlsRendition; channel?: InterpretationFeed['info'] }): HlsRendition {
    const { options } = this;
    let archive = this.channelArchives.get(name)?.archive;
    if (!archive && options.archiveDir) {
      archive = new RenditionArchive(join(options.archiveDir, name), Math.round(options.segmentSeconds) + 1, options.logger);
      this.archives.push(archive);
      if (channel) this.channelArchives.set(name, { archive, info: channel });
    }
    const onSegment = (segment: Segment, init: Buffer | undefined) => {
      archive?.add(segment, init);
      if (!leads) return;
      this.chapters?.recorded(segment);
      // The captions follow the leader's segments into the recording too.
      this.captions.recorded(segment);
    };
    const firstDiscontinuitySequence = follows?.nextDiscontinuitySequence() ?? (options.earlierBroadcasts ?? 0) * 1000;
    return new HlsRendition(name, { firstMsn: this.sequenceStart, firstDiscontinuitySequence, segmentTarget: options.segmentSeconds, windowSegments: options.windowSegments, onSegment, onPart: () => options.onPart?.(name), follows });
  }

  /** Starts broadcasting a switcher's program; its cuts become timed metadata; each interpretation channel becomes an audio rendition. */
  static async start(router: types.Router, program: ProgramSwitcher, options: BroadcastOptions, feeds?: InterpretationFeeds): Promise<Broadcast> {
    const dir = await mkdtemp(join(tmpdir(), 'plenary-broadcast-'));
    const inputs: Input[] = [];
    try {
      for (const producer of [program.videoProducer, program.audioProducer, program.mainAudioProducer]) inputs.push(await plainInput(router, producer));
      const sdpPath = join(dir, 'program.sdp');
      const broadcast = new Broadcast(router, program, inputs, sdpPath, dir, options);
      broadcast.cornerWanted = program.signShowing;
      if (broadcast.cornerWanted) broadcast.corner = await plainInput(router, program.signProducer);
      broadcast.feeds = feeds;
      await broadcast.encodeChannels(feeds?.list() ?? []);
      if (options.archiveDir) await broadcast.writeArchiveMaster(options.archiveDir);
      // A change while the encoder starts waits for it (one change at a time).
      feeds?.on('changed', broadcast.onChannelsChanged);
      broadcast.reconfiguring = broadcast.startEncoder();
      await broadcast.reconfiguring;
      // Who is on air now, then every video cut: timed metadata for the viewers' captions.
      if (program.videoOnAir) broadcast.markSpeaker(program.videoOnAir, Date.now());
      program.on('cut', (cut) => {
        if (cut.kind === 'video' && !broadcast.closed) broadcast.markSpeaker(cut.venueId, cut.cutAt);
      });
      program.on('sign', broadcast.onSignChanged);
      if (broadcast.cornerWanted) broadcast.metadata.signLanguage(program.signVenueId, Date.now());
      // What changed while the encoder started (the listeners came after): follow it now.
      broadcast.onSignChanged(program.signShowing);
      broadcast.onChannelsChanged();
      return broadcast;
    } catch (error) {
      for (const input of inputs) input.transport.close();
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /**
   * Stops the encoder and finishes the recording. `abrupt`: the program's worker died, so
   * nothing more arrives to flush; the encoder is killed at once, so that the broadcast built
   * in its place never runs beside it.
   */
  async close(options: { abrupt?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.feeds?.off('changed', this.onChannelsChanged);
    this.program.off('sign', this.onSignChanged);
    this.stepWatch.close();
    clearTimeout(this.restartTimer);
    await this.reconfiguring;
    await this.ffmpeg?.stop(options.abrupt ? 0 : 3000);
    for (const input of [...this.inputs, ...this.channels, ...(this.corner ? [this.corner] : [])]) input.transport.close();
    for (const rendition of this.renditions) rendition.hls.close();
    // The recording is finished: its playlists end, and it plays as video on demand.
    await Promise.all([...this.archives.map((archive) => archive.end()), this.captions.end()]);
    await this.masterWrites;
    await this.chapters?.flushed();
    await rm(this.dir, { recursive: true, force: true });
  }

  /** The multivariant playlist of this broadcast. */
  multivariant(): string {
    return multivariantPlaylist(this.variants(), AUDIO_BITRATE, AUDIO_CODECS, this.captions.renditions.map((track) => track.info), this.channels.map((c) => c.feed.info));
  }

  /**
   * The sign-language picture came or went: the encoder starts again with it composed into the
   * corner, or without it (a picture that stopped would hold the whole program back).
   */
  private readonly onSignChanged = (showing: boolean): void => {
    if (showing === this.cornerWanted) return;
    this.cornerWanted = showing;
    this.metadata.signLanguage(showing ? this.program.signVenueId : undefined, Date.now());
    this.onChannelsChanged();
  };

  /** The interpretation channels changed: the encoder starts again with one audio rendition per channel. */
  private readonly onChannelsChanged = (): void => {
    this.reconfiguring = this.reconfiguring
      .then(() => this.reconfigure())
      .catch((error: unknown) => this.options.logger.error({ err: error }, 'could not start the broadcast encoder again for the interpretation channels'));
  };

  /**
   * One encoder makes every rendition, so that they share one timeline: a channel added or
   * removed while live starts it again (a discontinuity of about a second for the viewers).
   * The channels are read once the old encoder is gone (they may have changed meanwhile), and
   * the encoder is started again whatever happens to a channel: the broadcast never stays down.
   */
  private async reconfigure(): Promise<void> {
    const wanted = () => (this.feeds?.list() ?? []).filter((feed) => !feed.producer.closed);
    const now = wanted();
    const same = now.length === this.channels.length && now.every((feed, i) => this.channels[i]?.feed.producer === feed.producer);
    if (this.closed || (same && this.ffmpeg && this.cornerWanted === (this.corner !== undefined))) return;
    await this.replaceEncoder(async () => {
      const feeds = wanted();
      await this.placeCorner();
      try {
        await this.encodeChannels(feeds);
      } catch (error) {
        // A channel could not be set up: the broadcast goes on with the channels that still stand.
        this.options.logger.error({ err: error }, 'could not set up an interpretation channel; broadcasting without it');
        await this.encodeChannels(this.channels.filter((c) => !c.feed.producer.closed).map((c) => c.feed));
      }
      await this.rewriteArchiveMaster();
      this.options.logger.info({ channels: this.channels.map((c) => c.feed.info.id) }, 'the broadcast encoder starts again for the interpretation channels');
    });
  }

  /** Stops the encoder, marks a discontinuity in every rendition, lets `prepare` change its inputs, starts it again. */
  private async replaceEncoder(prepare: () => Promise<void> = async () => undefined): Promise<void> {
    const ffmpeg = this.ffmpeg;
    this.ffmpeg = undefined;
    clearTimeout(this.restartTimer);
    await ffmpeg?.stop(0);
    if (this.closed) return;
    for (const rendition of this.renditions) rendition.hls.discontinuity();
    await prepare();
    await this.startEncoder();
  }

  /**
   * Renditions stopped making parts while the picture went on: their viewers' players would
   * stand still for good. The encoder starts again (a discontinuity of about a second for
   * everyone), which puts every rendition back on one timeline.
   */
  private readonly onOutOfStep = (names: string[]): void => {
    const now = Date.now();
    if (this.closed || this.restartingOutOfStep || now - this.lastOutOfStepRestart < OUT_OF_STEP_RESTART_EVERY_MS) return;
    this.restartingOutOfStep = true;
    this.lastOutOfStepRestart = now;
    this.options.logger.error({ renditions: names, stderr: this.ffmpeg?.log.slice(-1000) }, 'renditions fell out of step with the picture; the broadcast encoder starts again');
    for (const name of names) this.options.onOutOfStep?.(name);
    this.reconfiguring = this.reconfiguring
      .then(() => this.replaceEncoder())
      .catch((error: unknown) => this.options.logger.error({ err: error }, 'could not start the broadcast encoder again'))
      .finally(() => (this.restartingOutOfStep = false));
  };

  /** The sign-language picture's input, made or closed as it is wanted (a failure leaves it out). */
  private async placeCorner(): Promise<void> {
    if (this.cornerWanted && !this.corner) {
      this.corner = await plainInput(this.router, this.program.signProducer).catch((error: unknown) => {
        this.options.logger.error({ err: error }, 'could not take the sign-language picture; broadcasting without it');
        return undefined;
      });
    } else if (!this.cornerWanted && this.corner) {
      this.corner.transport.close();
      this.corner = undefined;
    }
  }

  /**
   * Sets up the encoder's input and an audio rendition for each channel (kept for a channel
   * already encoded) and writes the SDP with them; the encoder is (re)started after. All or
   * nothing: if an input cannot be made, what was made for this call is closed again.
   */
  private async encodeChannels(feeds: readonly InterpretationFeed[]): Promise<void> {
    const kept = new Map(this.channels.map((c) => [c.feed.producer.id, c]));
    const made = new Map<string, Input>();
    try {
      for (const feed of feeds) if (!kept.has(feed.producer.id)) made.set(feed.producer.id, await plainInput(this.router, feed.producer));
    } catch (error) {
      for (const input of made.values()) input.transport.close();
      throw error;
    }
    const channels: ChannelInput[] = feeds.map((feed) => {
      const existing = kept.get(feed.producer.id);
      kept.delete(feed.producer.id);
      if (existing) return existing;
      const hls = this.newRendition(feed.info.id, { follows: this.leader, channel: feed.info });
      return { ...(made.get(feed.producer.id) as Input), feed, rendition: { name: feed.info.id, rung: undefined, hls } };
    });
    for (const gone of kept.values()) {
      gone.transport.close();
      gone.rendition.hls.close();
    }
    this.channels = channels;
    this.renditions = [...this.renditions.filter((r) => !r.name.startsWith('in-')), ...channels.map((c) => c.rendition)];
    await writeFile(this.sdpPath, programSdp([...this.inputs, ...channels, ...(this.corner ? [this.corner] : [])]));
  }

  private variants() {
    return this.renditions.flatMap(({ rung }) => (rung ? [{ ...rung, codecs: videoCodecs(rung) }] : []));
  }

  /**
   * The captions channels as the conference has them now (the owner's reconcile tells every
   * change): each a subtitles rendition, recorded.
   */
  setCaptionTracks(tracks: readonly CaptionTrackInfo[]): void {
    if (this.closed || !this.captions.set(tracks, this.leader)) return;
    // The recording plays with the channels it has (a channel removed keeps what it recorded).
    this.rewriteArchiveMaster();
  }

  /** Adds a caption line to a channel; false when the broadcast has no such channel. */
  addCue(trackId: string, cue: Cue): boolean {
    return this.captions.addCue(trackId, cue);
  }

  /** Writes the recording's multivariant playlist again, one write at a time (two changes must not interleave). */
  private rewriteArchiveMaster(): Promise<void> {
    const { archiveDir } = this.options;
    if (!archiveDir) return Promise.resolve();
    this.masterWrites = this.masterWrites
      .then(() => this.writeArchiveMaster(archiveDir))
      .catch((error: unknown) => this.options.logger.error({ err: error }, 'could not write the recording\'s playlist'));
    return this.masterWrites;
  }

  private async writeArchiveMaster(archiveDir: string): Promise<void> {
    await mkdir(archiveDir, { recursive: true });
    const variants = this.variants();
    const recordedChannels = [...this.channelArchives.values()].map((c) => c.info);
    await writeFile(join(archiveDir, MULTIVARIANT_PLAYLIST), multivariantPlaylist(variants, AUDIO_BITRATE, AUDIO_CODECS, this.captions.recordedChannels, recordedChannels));
  }

  /** Records that a venue's first frame entered the program at `at`; playlists announce it as timed metadata. */
  markSpeaker(venueId: string, at: number): void {
    this.metadata.speaker(venueId, at);
  }

  /**
   * The venues' names and the agenda item in force, as the conference has them now (the
   * owner's reconcile tells every change): for the speaker metadata and the chapters.
   */
  nameVenues(names: Readonly<Record<string, string>>, agendaItem?: string): void {
    this.metadata.nameVenues(names, agendaItem);
  }

  /** Floor changes as they reached the program, newest last. */
  get speakers(): readonly { venueId: string; at: number }[] {
    return this.metadata.speakers;
  }

  /** The encoder's process id (tests kill it). */
  get encoderPid(): number | undefined {
    return this.ffmpeg?.pid;
  }

  private async startEncoder(): Promise<void> {
    const ffmpeg = new TiedProcess('ffmpeg', ladderArgs(this.sdpPath, this.options.rungs, this.options.partSeconds, this.channels.length, this.corner !== undefined), {
      logger: this.options.logger,
      stopSignal: 'SIGINT',
      extraPipes: this.renditions.length,
    });
    this.ffmpeg = ffmpeg;
    // What an encoder replaced by another (the channels changed) still writes is not this timeline's.
    this.renditions.forEach((rendition, i) => ffmpeg.pipe(i).on('data', (chunk: Buffer) => this.ffmpeg === ffmpeg && rendition.hls.write(chunk)));
    void ffmpeg.ended.then(({ code, signal }) => {
      if (this.closed || this.ffmpeg !== ffmpeg) return;
      this.options.logger.error({ code, signal, stderr: ffmpeg.log.slice(-2000) }, 'the broadcast encoder stopped; restarting');
      for (const rendition of this.renditions) rendition.hls.discontinuity();
      this.restartTimer = setTimeout(() => {
        this.restarts++;
        this.options.onRestart?.();
        this.startEncoder().catch((error: unknown) => this.options.logger.error({ err: error }, 'restarting the broadcast encoder failed'));
      }, RESTART_DELAY_MS);
    });
    // ffmpeg binds its RTP ports once it has read the SDP; then the program may flow (from a keyframe).
    const inputs = [...this.inputs, ...this.channels, ...(this.corner ? [this.corner] : [])];
    for (const input of inputs) await waitUntilUdpBound(input.port, LOOPBACK, 10_000);
    // Replaced meanwhile (the channels changed while a restart after a crash waited): the new one's.
    if (this.ffmpeg !== ffmpeg) return;
    // Media time 0 of this encoder is (about) now: its input starts flowing.
    const origin = Date.now();
    for (const rendition of this.renditions) rendition.hls.setTimelineOrigin(origin);
    this.stepWatch.restarted();
    for (const input of inputs) {
      await input.consumer.resume();
      if (input.consumer.kind === 'video') await input.consumer.requestKeyFrame();
    }
  }
}
