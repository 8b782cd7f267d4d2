import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { multivariantPlaylist } from '../hls/playlist';
import { BroadcastOrigin } from '../hls/origin';
import type { CaptionTrackInfo, Cue } from '../hls/captions';
import { CaptionChannels } from './caption-channels';
import { CHAPTERS } from '../hls/names';
import { ChapterBook } from '../archive/chapters';
import { TimedMetadata } from './timed-metadata';
import type { InterpretationFeed, InterpretationFeeds } from '../program/interpretation';
import { RenditionSet, type BroadcastRendition } from './renditions';
import { EncoderInputSet, type ProgramFeeds } from './input-set';
import { LadderEncoder } from './encoder';
import type { ProgramOutput } from './program-output';
import { BroadcastRecording } from './recording';
import { StepWatch } from './step-watch';
import { AUDIO_BITRATE, AUDIO_CODECS, ladderArgs, type Rung } from './ladder';

export interface BroadcastOptions {
  rungs: Rung[];
  /** Seconds: each rendition's fragments (the audio's are grouped at the picture's part boundaries). */
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

export type { BroadcastRendition } from './renditions';

/**
 * Encoder restarts for renditions out of step come at most this often: a machine too loaded to
 * keep the audio flowing would otherwise restart it over and over, every viewer stalling each time.
 */
const OUT_OF_STEP_RESTART_EVERY_MS = 30_000;

export type { ProgramFeeds } from './input-set';

/**
 * The live broadcast of one conference: the program (video and both audio tracks) goes over RTP
 * into one encoder (see LadderEncoder) that makes the ABR ladder, each rendition packaged as
 * LL-HLS in memory and recorded. It is told who is on air and when the sign-language picture
 * shows (a ProgramOutput: the room tells it), and follows the interpretation channels.
 */
export class Broadcast implements ProgramOutput {
  private readonly renditionSet: RenditionSet;
  private readonly encoder: LadderEncoder;
  private closed = false;
  /** Who speaks, and when the sign-language picture is on: the playlists' timed metadata. */
  private readonly metadata: TimedMetadata;
  /** What the HTTP origin serves of this broadcast: playlists and media objects. */
  readonly origin: BroadcastOrigin;
  /** The recording (none without an archive folder) and its chapters, one per speech. */
  private readonly recording: BroadcastRecording | undefined;
  private readonly chapters: ChapterBook | undefined;
  /** The captions channels, each a WebVTT rendition in step with the first video rendition. */
  private readonly captions: CaptionChannels;
  /** Changes of the encoder's inputs, one at a time. */
  private reconfiguring: Promise<void> = Promise.resolve();
  private feeds: InterpretationFeeds | undefined;
  /** Whether the sign-language picture should be in the corner (its venue publishes one). */
  private cornerWanted = false;
  /** Whether every rendition keeps making parts with the picture (the encoder starts again if not). */
  private readonly stepWatch: StepWatch;
  private restartingOutOfStep = false;
  private lastOutOfStepRestart = Number.NEGATIVE_INFINITY;

  private constructor(
    private readonly inputs: EncoderInputSet<BroadcastRendition>,
    private readonly dir: string,
    private readonly options: BroadcastOptions,
  ) {
    const { archiveDir, logger } = options;
    this.recording = archiveDir ? new BroadcastRecording(archiveDir, options.segmentSeconds, logger) : undefined;
    this.chapters = archiveDir ? new ChapterBook(join(archiveDir, CHAPTERS), logger) : undefined;
    this.metadata = new TimedMetadata(2 * options.windowSegments * options.segmentSeconds * 1000, this.chapters);
    this.captions = new CaptionChannels({ archiveDir, segmentSeconds: options.segmentSeconds, logger });
    this.renditionSet = new RenditionSet({
      ...options,
      earlierBroadcasts: options.earlierBroadcasts ?? 0,
      recording: this.recording,
      // The chapters and the captions follow the first video rendition's segments into the recording.
      onLeaderSegment: (segment) => {
        this.chapters?.recorded(segment);
        this.captions.recorded(segment);
      },
    });
    const renditions = this.renditionSet;
    this.origin = new BroadcastOrigin(() => renditions.packagers, {
      partTarget: options.partSeconds,
      segmentTarget: options.segmentSeconds,
      multivariant: () => this.multivariant(),
      dateRanges: () => this.metadata.ranges(),
      subtitles: () => this.captions.renditions,
    });
    this.stepWatch = new StepWatch(() => renditions.packagers, this.onOutOfStep);
    this.encoder = new LadderEncoder(
      () => ({
        args: ladderArgs(inputs.sdpPath, options.rungs, options.partSeconds, inputs.channels.length, inputs.hasCorner),
        outputs: renditions.packagers,
        inputs: inputs.all,
      }),
      {
        logger,
        onDied: () => renditions.discontinuity(),
        onStarted: (origin) => {
          for (const packager of renditions.packagers) packager.setTimelineOrigin(origin);
          this.stepWatch.restarted();
        },
        onRestart: options.onRestart,
      },
    );
  }

  /** The video rungs, the audio, then the interpretation channels (replaced when the channels change). */
  get renditions(): BroadcastRendition[] {
    return this.renditionSet.all;
  }

  /** Starts broadcasting a program; each interpretation channel becomes an audio rendition. Who is on air it is told (onAir). */
  static async start(router: types.Router, program: ProgramFeeds, options: BroadcastOptions, feeds?: InterpretationFeeds): Promise<Broadcast> {
    const dir = await mkdtemp(join(tmpdir(), 'plenary-broadcast-'));
    let inputs: EncoderInputSet<BroadcastRendition> | undefined;
    try {
      inputs = await EncoderInputSet.open<BroadcastRendition>(router, program, join(dir, 'program.sdp'), options.logger);
      const broadcast = new Broadcast(inputs, dir, options);
      broadcast.cornerWanted = inputs.hasCorner;
      broadcast.feeds = feeds;
      await broadcast.encodeChannels(feeds?.list() ?? []);
      await broadcast.rewriteArchiveMaster();
      // A change while the encoder starts waits for it (one change at a time).
      feeds?.on('changed', broadcast.onChannelsChanged);
      broadcast.reconfiguring = broadcast.encoder.start();
      await broadcast.reconfiguring;
      if (broadcast.cornerWanted) broadcast.metadata.signLanguage(program.signVenueId, undefined, Date.now());
      // What changed while the encoder started (the listener came after): follow it now.
      broadcast.onChannelsChanged();
      return broadcast;
    } catch (error) {
      inputs?.close();
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
    this.stepWatch.close();
    await this.reconfiguring;
    await this.encoder.close(options.abrupt ? 0 : 3000);
    this.inputs.close();
    this.renditionSet.close();
    await Promise.all([this.recording?.end(), this.captions.end()]);
    await this.chapters?.flushed();
    await rm(this.dir, { recursive: true, force: true });
  }

  /** The multivariant playlist of this broadcast. */
  multivariant(): string {
    return multivariantPlaylist(this.renditionSet.variants(), AUDIO_BITRATE, AUDIO_CODECS, this.captions.renditions.map((track) => track.info), this.inputs.channels.map((c) => c.feed.info));
  }

  /** A venue's first frame entered the program at `at`: the playlists announce it as timed metadata. */
  onAir(venueId: string, name: string | undefined, at: number): void {
    if (!this.closed) this.metadata.speaker(venueId, name, at);
  }

  /**
   * The sign-language picture came or went: the encoder starts again with it composed into the
   * corner, or without it (a picture that stopped would hold the whole program back).
   */
  signLanguage(venueId: string | undefined, name: string | undefined, at: number): void {
    const showing = venueId !== undefined;
    if (this.closed || showing === this.cornerWanted) return;
    this.cornerWanted = showing;
    this.metadata.signLanguage(venueId, name, at);
    this.onChannelsChanged();
  }

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
    if (this.closed || (this.inputs.encodes(wanted()) && this.encoder.running && this.cornerWanted === this.inputs.hasCorner)) return;
    await this.replaceEncoder(async () => {
      const feeds = wanted();
      await this.inputs.placeCorner(this.cornerWanted);
      try {
        await this.encodeChannels(feeds);
      } catch (error) {
        // A channel could not be set up: the broadcast goes on with the channels that still stand.
        this.options.logger.error({ err: error }, 'could not set up an interpretation channel; broadcasting without it');
        await this.encodeChannels(this.inputs.channels.filter((c) => !c.feed.producer.closed).map((c) => c.feed));
      }
      await this.rewriteArchiveMaster();
      this.options.logger.info({ channels: this.inputs.channels.map((c) => c.feed.info.id) }, 'the broadcast encoder starts again for the interpretation channels');
    });
  }

  /** Stops the encoder, marks a discontinuity in every rendition, lets `prepare` change its inputs, starts it again. */
  private async replaceEncoder(prepare: () => Promise<void> = async () => undefined): Promise<void> {
    await this.encoder.stop(0);
    if (this.closed) return;
    this.renditionSet.discontinuity();
    await prepare();
    await this.encoder.start();
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
    this.options.logger.error({ renditions: names, stderr: this.encoder.log.slice(-1000) }, 'renditions fell out of step with the picture; the broadcast encoder starts again');
    for (const name of names) this.options.onOutOfStep?.(name);
    this.reconfiguring = this.reconfiguring
      .then(() => this.replaceEncoder())
      .catch((error: unknown) => this.options.logger.error({ err: error }, 'could not start the broadcast encoder again'))
      .finally(() => (this.restartingOutOfStep = false));
  };

  /** An audio rendition for each channel (kept for a channel already encoded) and the encoder's inputs for them; all or nothing. */
  private async encodeChannels(feeds: readonly InterpretationFeed[]): Promise<void> {
    const gone = await this.inputs.setChannels(feeds, (feed) => this.renditionSet.forChannel(feed.info));
    for (const rendition of gone) rendition.hls.close();
    this.renditionSet.setChannels(this.inputs.channels.map((c) => c.rendition));
  }

  /**
   * The captions channels as the conference has them now (the owner's reconcile tells every
   * change): each a subtitles rendition, recorded.
   */
  setCaptionTracks(tracks: readonly CaptionTrackInfo[]): void {
    if (this.closed || !this.captions.set(tracks, this.renditionSet.leader)) return;
    // The recording plays with the channels it has (a channel removed keeps what it recorded).
    void this.rewriteArchiveMaster();
  }

  /** Adds a caption line to a channel; false when the broadcast has no such channel. */
  addCue(trackId: string, cue: Cue): boolean {
    return this.captions.addCue(trackId, cue);
  }

  private rewriteArchiveMaster(): Promise<void> {
    return this.recording?.writeMaster(this.renditionSet.variants(), this.captions.recordedChannels) ?? Promise.resolve();
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
    return this.encoder.pid;
  }

  /** How many times the encoder was started again after dying. */
  get restarts(): number {
    return this.encoder.restarts;
  }
}
