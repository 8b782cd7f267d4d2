import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { WorkerPool, type WorkerPoolOptions } from '../workers/pool';
import { ConferenceRoom } from './room';
import type { SimulatedVenueSpec } from './media-types';
import type { BroadcastOptions } from '../egress/broadcast';
import { RecordingShelf } from '../archive/shelf';
import type { Cut } from '../program/track';

/**
 * The media plane of this process: the worker pool and one room per
 * conference, created on first use. The server drives it; it knows nothing of
 * sockets or HTTP.
 */
interface PlaneEvents {
  /** A conference's room died with its worker; the server rebuilds it. */
  roomlost: [conferenceId: string, simulated: SimulatedVenueSpec[]];
  /** Some venues of a conference lost their media with a venue worker; their browsers set it up again. */
  venueslost: [conferenceId: string, venueIds: string[]];
  /** The program cut to another source (for metrics: switch latency is cutAt - requestedAt). */
  cut: [conferenceId: string, cut: Cut];
  /** A broadcast encoder died and was started again. */
  encoderRestart: [conferenceId: string];
  /** An LL-HLS part was published. */
  hlsPart: [conferenceId: string, rendition: string];
  /** The program holds a venue on a lower simulcast layer (`undefined`: no longer): the venue should send nothing above it. */
  layerHold: [conferenceId: string, venueId: string, spatialLayer: number | undefined];
  /** A rendition stopped making parts while the picture went on; the encoder was started again. */
  renditionOutOfStep: [conferenceId: string, rendition: string];
}

/**
 * Whether this process may broadcast a conference (the server's media lease says), and if so
 * how many broadcasts of it came before, in any process: each starts a new discontinuity
 * sequence above the last one's. Undefined: another process broadcasts it.
 */
export type BroadcastNumber = (conferenceId: string) => Promise<number | undefined>;

export class MediaPlane extends EventEmitter<PlaneEvents> {
  private readonly rooms = new Map<string, Promise<ConferenceRoom>>();
  private closed = false;

  private constructor(
    readonly workers: WorkerPool,
    private readonly logger: Logger,
  ) {
    super();
  }

  static async start(options: WorkerPoolOptions & { broadcast?: Omit<BroadcastOptions, 'logger'>; broadcastNumber?: BroadcastNumber }): Promise<MediaPlane> {
    const plane = new MediaPlane(await WorkerPool.create(options), options.logger);
    plane.broadcast = options.broadcast;
    if (options.broadcastNumber) plane.broadcastNumber = options.broadcastNumber;
    return plane;
  }

  private broadcastNumber: BroadcastNumber = async () => 0;

  /** Run on a new room before its broadcast starts (see beforeBroadcast). */
  private prepare: (room: ConferenceRoom) => Promise<void> = async () => undefined;

  /**
   * Tells a new room what its broadcast is made of before the broadcast starts (the server
   * gives the conference's interpretation channels): otherwise the first reconcile would start
   * the encoder a second time, a second more before a rebuilt broadcast is back.
   */
  beforeBroadcast(prepare: (room: ConferenceRoom) => Promise<void>): void {
    this.prepare = prepare;
  }

  /** When set, every conference room broadcasts its program with these settings. */
  private broadcast: Omit<BroadcastOptions, 'logger'> | undefined;

  /** The room of a conference, created on a worker (round robin) the first time it is asked for. */
  room(conferenceId: string): Promise<ConferenceRoom> {
    let room = this.rooms.get(conferenceId);
    if (!room) {
      const logger = this.logger.child({ conferenceId });
      room = ConferenceRoom.create(this.workers, conferenceId, { fallbackVenueId: 'main', logger }).then(async (created) => {
        created.on('cut', (cut) => this.emit('cut', conferenceId, cut));
        created.on('layerHold', (venueId, layer) => this.emit('layerHold', conferenceId, venueId, layer));
        created.on('venuesLost', (venueIds) => this.emit('venueslost', conferenceId, venueIds));
        // One encoder and one recording per conference: only the lease holder's room broadcasts.
        const number = await this.broadcastNumber(conferenceId).catch(() => undefined);
        if (number !== undefined) {
          await this.prepare(created).catch((error: unknown) => logger.warn({ err: error }, 'could not prepare the broadcast; it follows the conference once reconciled'));
          await this.startBroadcastOf(created, number, logger);
        }
        return created;
      });
      this.rooms.set(conferenceId, room);
      room.then(
        (created) =>
          // A worker that dies takes its routers along: forget the room and tell the server.
          created.once('lost', (simulated) => {
            if (this.rooms.get(conferenceId) === room) this.rooms.delete(conferenceId);
            if (!this.closed) this.emit('roomlost', conferenceId, simulated);
          }),
        () => this.rooms.delete(conferenceId),
      );
    }
    return room;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The room if it exists, without creating one. */
  existingRoom(conferenceId: string): Promise<ConferenceRoom> | undefined {
    return this.rooms.get(conferenceId);
  }

  /**
   * Starts broadcasting a room's program. The venues' media matters more than the broadcast: a
   * failing encoder is logged, not fatal. One folder per broadcast: a rebuilt room (its worker
   * died) or a takeover records anew instead of overwriting.
   */
  private async startBroadcastOf(room: ConferenceRoom, number: number, logger: Logger): Promise<void> {
    const settings = this.broadcast;
    if (!settings || room.broadcast) return;
    const { conferenceId } = room;
    const shelf = settings.archiveDir === undefined ? undefined : new RecordingShelf(settings.archiveDir);
    // The folders recorded here count too: an embedded server started again numbers above its last run.
    const recordedHere = (await shelf?.countOf(conferenceId)) ?? 0;
    const archiveDir = shelf?.folderFor(conferenceId);
    const perConference = {
      earlierBroadcasts: Math.max(number, recordedHere),
      onPart: (rendition: string) => this.emit('hlsPart', conferenceId, rendition),
      onRestart: () => this.emit('encoderRestart', conferenceId),
      onOutOfStep: (rendition: string) => this.emit('renditionOutOfStep', conferenceId, rendition),
    };
    await room.startBroadcast({ ...settings, ...perConference, ...(archiveDir ? { archiveDir } : {}), logger: logger.child({ component: 'broadcast' }) }).catch((error: unknown) => logger.error({ err: error }, 'the broadcast did not start'));
  }

  /** What each worker carries, by worker index: conference programs (switcher and broadcast) and venues. */
  async workload(): Promise<Map<number, { programs: number; venues: number }>> {
    const load = new Map<number, { programs: number; venues: number }>();
    const of = (index: number) => load.get(index) ?? load.set(index, { programs: 0, venues: 0 }).get(index)!;
    for (const room of await Promise.allSettled(this.rooms.values())) {
      if (room.status !== 'fulfilled') continue;
      of(room.value.worker.index).programs++;
      for (const [index, venues] of room.value.routers.venuesByWorker()) of(index).venues += venues;
    }
    return load;
  }

  /** The conferences with a room in this process. */
  conferenceIds(): string[] {
    return [...this.rooms.keys()];
  }

  /** Stops a conference's broadcast here (another process hosts it now); its recording is finalised. */
  async stopBroadcast(conferenceId: string): Promise<void> {
    await (await this.rooms.get(conferenceId)?.catch(() => undefined))?.stopBroadcast();
  }

  /** Closes a conference's room (the conference ended) and forgets it; its recording is finalised. */
  async closeRoom(conferenceId: string): Promise<void> {
    const room = this.rooms.get(conferenceId);
    this.rooms.delete(conferenceId);
    await (await room?.catch(() => undefined))?.close();
  }

  /** Closes every room, then the workers. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const rooms = await Promise.allSettled(this.rooms.values());
    await Promise.all(rooms.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
    this.rooms.clear();
    await this.workers.close();
  }
}
