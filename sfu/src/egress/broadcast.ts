import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { HlsRendition, type Segment } from '../hls/rendition';
import { multivariantPlaylist, type DateRange } from '../hls/playlist';
import { BroadcastOrigin } from '../hls/origin';
import { SubtitleRendition, type CaptionTrackInfo, type Cue } from '../hls/captions';
import { CHAPTERS, MULTIVARIANT_PLAYLIST } from '../hls/names';
import { RenditionArchive } from '../archive/recorder';
import { ChapterBook } from '../archive/chapters';
import { SLATE, type ProgramSwitcher } from '../program/switcher';
import { TiedProcess } from '../net/tied-process';
import { findFreeUdpPortPair, waitUntilUdpBound } from '../net/ports';
import { plainRtpCapabilities } from '../selftest/loopback';
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
}


/** A rendition of the broadcast: a video rung, or the audio. */
export interface BroadcastRendition {
  name: string;
  rung: Rung | undefined;
  hls: HlsRendition;
}

interface Input {
  transport: types.PlainTransport;
  consumer: types.Consumer;
  port: number;
}

const LOOPBACK = '127.0.0.1';
/** How soon a dead encoder is started again. */
const RESTART_DELAY_MS = 500;

/**
 * The live broadcast of one conference: the program (video and both audio
 * tracks) goes over RTP into one ffmpeg that encodes the ABR ladder and writes
 * each rendition as fragmented MP4 to its own pipe, packaged as LL-HLS in
 * memory. Owns the encoder: restarts it if it dies (the renditions mark a
 * discontinuity and keep their media sequence numbers) and stops it on close().
 */
export class Broadcast {
  readonly renditions: BroadcastRendition[];
  private ffmpeg: TiedProcess | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** How many times the encoder was restarted after dying. */
  restarts = 0;
  private readonly archives: RenditionArchive[] = [];
  /** Floor changes as they reached the program (wall time of the new speaker's first frame), newest last. */
  readonly speakers: { venueId: string; at: number }[] = [];
  /** The venues' names for the timed metadata, as the conference has them (see nameVenues). */
  private venueNames: Readonly<Record<string, string>> = {};
  /** What the HTTP origin serves of this broadcast: playlists and media objects. */
  readonly origin: BroadcastOrigin;
  /** The recording's chapters, one per speech (none without a recording). */
  private readonly chapters: ChapterBook | undefined;
  /** The captions channels, each a WebVTT rendition in step with the first video rendition. */
  private subtitles: SubtitleRendition[] = [];
  /** Every captions channel this broadcast recorded, with its recording (kept when the channel goes). */
  private readonly captionArchives = new Map<string, { archive: RenditionArchive; info: CaptionTrackInfo }>();
  /** Complete segments whose captions are not recorded yet (see recordCaptions). */
  private readonly captionsToRecord: Segment[] = [];
  private masterWrites: Promise<void> = Promise.resolve();

  private constructor(
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
    const sequenceStart = Math.floor(Date.now() / 1000);
    const hls = (name: string, leader: boolean) => {
      const archive = options.archiveDir ? new RenditionArchive(join(options.archiveDir, name), Math.round(options.segmentSeconds) + 1, options.logger) : undefined;
      if (archive) this.archives.push(archive);
      const onSegment = (segment: Segment, init: Buffer | undefined) => {
        archive?.add(segment, init);
        if (leader) this.chapters?.recorded(segment);
        // The captions follow the leader's segments into the recording too.
        if (leader) this.recordCaptions(segment);
      };
      return new HlsRendition(name, { firstMsn: sequenceStart, firstDiscontinuitySequence: (options.earlierBroadcasts ?? 0) * 1000, segmentTarget: options.segmentSeconds, windowSegments: options.windowSegments, onSegment, onPart: () => options.onPart?.(name) });
    };
    this.chapters = options.archiveDir ? new ChapterBook(join(options.archiveDir, CHAPTERS), options.logger) : undefined;
    this.renditions = [...options.rungs.map((rung, i) => ({ name: rung.name, rung, hls: hls(rung.name, i === 0) })), { name: 'audio', rung: undefined, hls: hls('audio', false) }];
    this.origin = new BroadcastOrigin(this.renditions.map((r) => r.hls), {
      partTarget: options.partSeconds,
      segmentTarget: options.segmentSeconds,
      multivariant: () => this.multivariant(),
      dateRanges: () => this.speakerRanges(),
      subtitles: () => this.subtitles,
    });
  }

  /** Starts broadcasting a switcher's program; its cuts become timed metadata. */
  static async start(router: types.Router, program: ProgramSwitcher, options: BroadcastOptions): Promise<Broadcast> {
    const dir = await mkdtemp(join(tmpdir(), 'plenary-broadcast-'));
    const inputs: Input[] = [];
    try {
      for (const producer of [program.videoProducer, program.audioProducer, program.mainAudioProducer]) {
        const port = await findFreeUdpPortPair(LOOPBACK);
        const transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: LOOPBACK }, rtcpMux: false, comedia: false });
        await transport.connect({ ip: LOOPBACK, port, rtcpPort: port + 1 });
        const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities: plainRtpCapabilities(router.rtpCapabilities), paused: true });
        inputs.push({ transport, consumer, port });
      }
      const sdpPath = join(dir, 'program.sdp');
      await writeFile(sdpPath, programSdp(inputs));
      const broadcast = new Broadcast(inputs, sdpPath, dir, options);
      if (options.archiveDir) await broadcast.writeArchiveMaster(options.archiveDir);
      await broadcast.startEncoder();
      // Who is on air now, then every video cut: timed metadata for the viewers' captions.
      if (program.videoOnAir) broadcast.markSpeaker(program.videoOnAir, Date.now());
      program.on('cut', (cut) => {
        if (cut.kind === 'video' && !broadcast.closed) broadcast.markSpeaker(cut.venueId, cut.cutAt);
      });
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
    clearTimeout(this.restartTimer);
    await this.ffmpeg?.stop(options.abrupt ? 0 : 3000);
    for (const input of this.inputs) input.transport.close();
    for (const rendition of this.renditions) rendition.hls.close();
    // The recording is finished: its playlists end, and it plays as video on demand.
    for (const segment of this.captionsToRecord.splice(0)) this.recordCaptionsOf(segment);
    await Promise.all([...this.archives, ...[...this.captionArchives.values()].map((c) => c.archive)].map((archive) => archive.end()));
    await this.masterWrites;
    await this.chapters?.flushed();
    await rm(this.dir, { recursive: true, force: true });
  }

  /** The multivariant playlist of this broadcast. */
  multivariant(): string {
    return multivariantPlaylist(this.variants(), AUDIO_BITRATE, AUDIO_CODECS, this.subtitles.map((track) => track.info));
  }

  private variants() {
    return this.renditions.flatMap(({ rung }) => (rung ? [{ ...rung, codecs: videoCodecs(rung) }] : []));
  }

  /**
   * The captions channels as the conference has them now (the owner's reconcile tells every
   * change): a new one becomes a subtitles rendition (recorded from then on), a removed one goes.
   */
  setCaptionTracks(tracks: readonly CaptionTrackInfo[]): void {
    const leader = this.renditions.find((r) => r.rung)?.hls;
    const same = tracks.length === this.subtitles.length && tracks.every((t, i) => JSON.stringify(t) === JSON.stringify(this.subtitles[i]?.info));
    if (!leader || same || this.closed) return;
    const existing = new Map(this.subtitles.map((track) => [track.name, track]));
    this.subtitles = tracks.map((info) => {
      const kept = existing.get(info.id);
      return kept && JSON.stringify(kept.info) === JSON.stringify(info) ? kept : new SubtitleRendition(info, leader);
    });
    if (this.options.archiveDir) {
      const archiveDir = this.options.archiveDir;
      for (const track of this.subtitles) {
        if (this.captionArchives.has(track.name)) continue;
        const archive = new RenditionArchive(join(archiveDir, track.name), Math.round(this.options.segmentSeconds) + 1, this.options.logger, 'vtt');
        this.captionArchives.set(track.name, { archive, info: track.info });
      }
      // The recording plays with the channels it has (a channel removed keeps what it recorded).
      // One write at a time: two channels added together must not interleave their writes.
      this.masterWrites = this.masterWrites
        .then(() => this.writeArchiveMaster(archiveDir))
        .catch((error: unknown) => this.options.logger.error({ err: error }, 'could not write the recording\'s playlist'));
    }
  }

  /**
   * Records the captions of a complete segment two segments later: a line may be timed up to
   * CAPTION_DELAY_MS (3 s) before it came, into a segment already complete.
   */
  private recordCaptions(segment: Segment): void {
    this.captionsToRecord.push(segment);
    while (this.captionsToRecord.length > 2) this.recordCaptionsOf(this.captionsToRecord.shift() as Segment);
  }

  private recordCaptionsOf(segment: Segment): void {
    for (const track of this.subtitles) this.captionArchives.get(track.name)?.archive.add(segment, undefined, track.recorded(segment));
  }

  /** Adds a caption line to a channel; false when the broadcast has no such channel. */
  addCue(trackId: string, cue: Cue): boolean {
    const track = this.subtitles.find((t) => t.name === trackId);
    track?.add(cue);
    return track !== undefined;
  }

  private async writeArchiveMaster(archiveDir: string): Promise<void> {
    await mkdir(archiveDir, { recursive: true });
    const variants = this.variants();
    const recordedCaptions = [...this.captionArchives.values()].map((c) => c.info);
    await writeFile(join(archiveDir, MULTIVARIANT_PLAYLIST), multivariantPlaylist(variants, AUDIO_BITRATE, AUDIO_CODECS, recordedCaptions));
  }

  /** Records that a venue's first frame entered the program at `at`; playlists announce it as timed metadata. */
  markSpeaker(venueId: string, at: number): void {
    this.speakers.push({ venueId, at });
    this.chapters?.speech(venueId, at, venueId !== SLATE);
    // Keep what the live window can show (and a little more).
    const horizon = Date.now() - 2 * this.options.windowSegments * this.options.segmentSeconds * 1000;
    while (this.speakers.length > 1 && (this.speakers[1]?.at ?? 0) < horizon) this.speakers.shift();
  }

  /**
   * The venues' names and the agenda item in force, as the conference has them now (the
   * owner's reconcile tells every change): for the speaker metadata and the chapters.
   */
  nameVenues(names: Readonly<Record<string, string>>, agendaItem?: string): void {
    this.venueNames = names;
    this.chapters?.follow(names, agendaItem);
  }

  /** The floor changes as EXT-X-DATERANGE entries (class com.plenary.speaker, X-VENUE-ID, X-VENUE-NAME). */
  speakerRanges(): DateRange[] {
    return this.speakers.map((speaker) => {
      const name = this.venueNames[speaker.venueId];
      return {
        id: `speaker-${speaker.at}`,
        className: 'com.plenary.speaker',
        startDate: speaker.at,
        attributes: { 'venue-id': speaker.venueId, ...(name ? { 'venue-name': name } : {}) },
      };
    });
  }

  /** The encoder's process id (tests kill it). */
  get encoderPid(): number | undefined {
    return this.ffmpeg?.pid;
  }

  private async startEncoder(): Promise<void> {
    const ffmpeg = new TiedProcess('ffmpeg', ladderArgs(this.sdpPath, this.options.rungs, this.options.partSeconds), {
      logger: this.options.logger,
      stopSignal: 'SIGINT',
      extraPipes: this.renditions.length,
    });
    this.ffmpeg = ffmpeg;
    this.renditions.forEach((rendition, i) => ffmpeg.pipe(i).on('data', (chunk: Buffer) => rendition.hls.write(chunk)));
    void ffmpeg.ended.then(({ code, signal }) => {
      if (this.closed) return;
      this.options.logger.error({ code, signal, stderr: ffmpeg.log.slice(-2000) }, 'the broadcast encoder stopped; restarting');
      for (const rendition of this.renditions) rendition.hls.discontinuity();
      this.restartTimer = setTimeout(() => {
        this.restarts++;
        this.options.onRestart?.();
        this.startEncoder().catch((error: unknown) => this.options.logger.error({ err: error }, 'restarting the broadcast encoder failed'));
      }, RESTART_DELAY_MS);
    });
    // ffmpeg binds its RTP ports once it has read the SDP; then the program may flow (from a keyframe).
    for (const input of this.inputs) await waitUntilUdpBound(input.port, LOOPBACK, 10_000);
    // Media time 0 of this encoder is (about) now: its input starts flowing.
    const origin = Date.now();
    for (const rendition of this.renditions) rendition.hls.setTimelineOrigin(origin);
    for (const input of this.inputs) {
      await input.consumer.resume();
      if (input.consumer.kind === 'video') await input.consumer.requestKeyFrame();
    }
  }
}

/** An SDP that tells ffmpeg where each program stream arrives. */
function programSdp(inputs: Input[]): string {
  const lines = ['v=0', `o=- 0 0 IN IP4 ${LOOPBACK}`, 's=plenary-program', `c=IN IP4 ${LOOPBACK}`, 't=0 0'];
  for (const { consumer, port } of inputs) {
    const codec = consumer.rtpParameters.codecs[0];
    const name = consumer.kind === 'video' ? 'VP8/90000' : 'opus/48000/2';
    lines.push(`m=${consumer.kind} ${port} RTP/AVP ${codec?.payloadType}`, `a=rtcp:${port + 1}`, `a=rtpmap:${codec?.payloadType} ${name}`, 'a=recvonly');
  }
  return `${lines.join('\n')}\n`;
}
