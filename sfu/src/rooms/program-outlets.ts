import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { Broadcast, type BroadcastOptions } from '../egress/broadcast';
import { followProgram } from '../egress/program-output';
import { Restreams } from '../egress/restreams';
import type { DestinationSpec } from '../egress/restream';
import type { CaptionTrackInfo, Cue } from '../hls/captions';
import type { InterpretationFeeds } from '../program/interpretation';
import type { ProgramSwitcher } from '../program/switcher';

/** What may be read of a room's broadcast from outside (the origin serves it; tests watch it). */
export type BroadcastView = Pick<Broadcast, 'origin' | 'renditions' | 'speakers' | 'encoderPid' | 'restarts'>;

/**
 * Where a room's program goes out: the broadcast (once started: told who is on air at each cut,
 * by id and by the name the conference has for the venue then) and the restreams that push it to
 * other platforms. The room owns one, and nobody else reaches the broadcast but to read it.
 */
export class ProgramOutlets {
  private broadcast: Broadcast | undefined;
  private stopFollowing: (() => void) | undefined;
  private readonly restreams: Restreams;
  private venueNames: Readonly<Record<string, string>> = {};
  private agendaItem: string | undefined;
  private closed = false;

  constructor(
    private readonly program: ProgramSwitcher,
    logger: Logger,
  ) {
    this.restreams = new Restreams(logger);
  }

  /** Starts encoding the program as an LL-HLS ladder (once). */
  async startBroadcast(router: types.Router, options: BroadcastOptions, feeds: InterpretationFeeds): Promise<void> {
    if (this.broadcast) return;
    const broadcast = await Broadcast.start(router, this.program, options, feeds);
    if (this.closed || this.broadcast) return void (await broadcast.close());
    this.broadcast = broadcast;
    broadcast.nameVenues(this.venueNames, this.agendaItem);
    this.stopFollowing = followProgram(this.program, broadcast, (venueId) => this.venueNames[venueId]);
    this.restreams.follow(broadcast);
  }

  /** Ends the broadcast (its recording is finished); `abrupt`: its worker died, nothing is left to flush. */
  async stopBroadcast(options: { abrupt?: boolean } = {}): Promise<void> {
    const { broadcast } = this;
    this.broadcast = undefined;
    this.stopFollowing?.();
    this.restreams.follow(undefined);
    await broadcast?.close(options);
  }

  get view(): BroadcastView | undefined {
    return this.broadcast;
  }

  /** The venues' names and the agenda item in force, as the conference has them now (new speakers are named so; the chapters follow). */
  nameVenues(names: Readonly<Record<string, string>>, agendaItem?: string): void {
    this.venueNames = names;
    this.agendaItem = agendaItem;
    this.broadcast?.nameVenues(names, agendaItem);
  }

  setCaptionTracks(tracks: readonly CaptionTrackInfo[]): void {
    this.broadcast?.setCaptionTracks(tracks);
  }

  addCue(trackId: string, cue: Cue): 'added' | 'noBroadcast' | 'noChannel' {
    if (!this.broadcast) return 'noBroadcast';
    return this.broadcast.addCue(trackId, cue) ? 'added' : 'noChannel';
  }

  setRestreams(destinations: readonly DestinationSpec[]): Promise<void> {
    return this.restreams.set(destinations);
  }

  restreamStatuses(): ReturnType<Restreams['statuses']> {
    return this.restreams.statuses();
  }

  /**
   * Stops the restreams and the broadcast. `abrupt`: the program's worker died: the encoder is
   * killed at once (a rebuilt room's must never run beside it) and the restreams are not waited for.
   */
  async close(options: { abrupt?: boolean } = {}): Promise<void> {
    this.closed = true;
    const restreams = this.restreams.close();
    if (!options.abrupt) await restreams;
    const stopped = this.stopBroadcast(options);
    await (options.abrupt ? stopped.catch(() => undefined) : stopped);
  }
}
