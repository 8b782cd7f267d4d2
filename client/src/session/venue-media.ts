import { Device } from 'mediasoup-client';
import type { types } from 'mediasoup-client';
import { ErrorCode, type ConsumeTarget } from '@plenary/shared';
import { SessionError, type ControlChannel } from './control-channel';
import { backoff, sleep, type RetryPolicy } from './retry';

/** What a venue may receive: the program, one venue's camera or microphone, or an interpretation channel. */
export type ReceiveTarget = ConsumeTarget;

const keyOf = (target: ReceiveTarget) =>
  'program' in target ? `program:${target.program}` : 'interpretation' in target ? `interpretation:${target.interpretation}` : `${target.venueId}:${target.kind}`;

/** Simulcast for cameras: a low layer for the presider's thumbnails, a high one for the program. */
const CAMERA_ENCODINGS: RTCRtpEncodingParameters[] = [
  { rid: 'low', scaleResolutionDownBy: 2, maxBitrate: 300_000 },
  { rid: 'high', scaleResolutionDownBy: 1, maxBitrate: 1_200_000 },
];

/**
 * Receiving again: soon after a stream was lost (its venue's sender restarts in
 * about a second), then every 2 s for as long as somebody wants the stream (a
 * tile of a venue that has not published yet waits like that).
 */
const RECEIVE_AGAIN = backoff(300, 2000, Number.POSITIVE_INFINITY);

/**
 * Refusals that another try cannot change: the stream is given up on. (CONFLICT is not one:
 * "this venue has its transports already" passes once the server lets the old ones go.)
 */
const FINAL = new Set<string>([ErrorCode.FORBIDDEN, ErrorCode.INVALID, ErrorCode.UNAUTHENTICATED]);

/** One stream the page wants: what, at which simulcast layer, its consumer while it has one. */
interface Wanted {
  target: ReceiveTarget;
  layer: number | undefined;
  consumer: types.Consumer | undefined;
  /** The first track (or the final refusal) for whoever asked with receive(). */
  first: { resolve: (track: MediaStreamTrack) => void; reject: (error: Error) => void }[];
  /** Whether a loop is receiving it now (one at a time). */
  trying: boolean;
}

/**
 * The venue's WebRTC media over a control channel: the device, one send and one
 * receive transport, what it publishes, and what it receives, with one policy
 * for receiving again. Whatever stops a stream (its source restarted, the
 * server rebuilt the media, the socket came back after a drop), each wanted
 * stream has one loop that receives it again, until nobody wants it.
 */
export class VenueMedia {
  /** The device, loaded once per media setup (every stream waits for the same load). */
  private device: Promise<Device> | undefined;
  /**
   * Each transport is made once per media setup however many streams ask for it at the same time:
   * a tile's worth of streams asking together each made one, and past the SFU's four per venue
   * the rest were refused (CONFLICT), leaving tiles black.
   */
  private readonly making: { send?: Promise<types.Transport>; recv?: Promise<types.Transport> } = {};
  private sendTransport: types.Transport | undefined;
  private recvTransport: types.Transport | undefined;
  private published: MediaStream | undefined;
  private readonly wanted = new Map<string, Wanted>();
  private readonly trackListeners = new Map<string, Set<(track: MediaStreamTrack) => void>>();
  private rebuilding: Promise<void> | undefined;
  /** Bumped by every rebuild: a consumer made on the transports before it is dead. */
  private generation = 0;
  private closed = false;
  private readonly unsubscribe: (() => void)[] = [];
  /** Whether a loop is publishing the camera again (after a rebuild whose first try failed). */
  private republishing = false;
  /** The media setup (generation) the camera was last published in. */
  private publishedIn = -1;
  /** The camera's producer as published now (the server may ask it to send fewer layers). */
  private camera: types.Producer | undefined;

  constructor(
    private readonly channel: ControlChannel,
    private readonly receiveAgain: RetryPolicy = RECEIVE_AGAIN,
  ) {
    // Back after a disconnect: the server closed this venue's media when it left.
    this.unsubscribe.push(channel.onReconnect(() => void this.rebuild()));
    // The server rebuilt the conference's media (its worker died): the old transports are dead.
    channel.on('mediaReset', () => void this.rebuild());
    // The program holds our picture on a lower layer (the top one failed on our link): stop
    // sending the layers above it until told, so that their retries do not crowd the link.
    channel.on('sendLayers', ({ maxSpatialLayer }) => {
      const camera = this.camera;
      if (!camera || camera.closed) return;
      camera.setMaxSpatialLayer(maxSpatialLayer ?? CAMERA_ENCODINGS.length - 1).catch(() => undefined);
    });
    // A stream lost its source (the venue's sender restarted or its browser published anew).
    channel.on('consumerClosed', ({ consumerId }) => {
      const entry = [...this.wanted.values()].find((e) => e.consumer?.id === consumerId);
      if (!entry?.consumer) return;
      entry.consumer.close();
      entry.consumer = undefined; // gone at the server already: nothing to close there
      this.keepReceiving(entry);
    });
  }

  /** Calls `listener` with each new track of `target`, e.g. after the media was rebuilt. */
  onTrackFor(target: ReceiveTarget, listener: (track: MediaStreamTrack) => void): () => void {
    const key = keyOf(target);
    const set = this.trackListeners.get(key) ?? new Set();
    this.trackListeners.set(key, set);
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Publishes the venue's camera (simulcast) and microphone into the conference. */
  async publish(stream: MediaStream): Promise<void> {
    await this.rebuilding;
    this.published = stream;
    await this.produce(stream);
  }

  /**
   * Receives the program or a venue, and keeps receiving it (again after any
   * fault) until stopReceiving; resolves with the first track. Asking for the
   * same target again replaces the earlier consumer (another layer, say).
   * Rejects only on a refusal no retry can change, or if stopped first.
   */
  receive(target: ReceiveTarget, layer?: number): Promise<MediaStreamTrack> {
    const key = keyOf(target);
    this.drop(key, new SessionError(ErrorCode.CONFLICT, 'Asked for again'));
    const entry: Wanted = { target, layer, consumer: undefined, first: [], trying: false };
    this.wanted.set(key, entry);
    const track = new Promise<MediaStreamTrack>((resolve, reject) => entry.first.push({ resolve, reject }));
    this.keepReceiving(entry, 0);
    return track;
  }

  /** Stops receiving a target (its tile closed). */
  stopReceiving(target: ReceiveTarget): void {
    this.drop(keyOf(target), new SessionError(ErrorCode.NOT_FOUND, 'No longer wanted'));
  }

  private drop(key: string, reason: Error): void {
    const entry = this.wanted.get(key);
    if (!entry) return;
    this.wanted.delete(key);
    for (const waiter of entry.first.splice(0)) waiter.reject(reason);
    if (entry.consumer) this.closeConsumer(entry.consumer);
  }

  private closeConsumer(consumer: types.Consumer): void {
    consumer.close();
    this.channel.tell('media:closeConsumer', { consumerId: consumer.id });
  }

  /**
   * The one loop that receives a wanted stream: tries, and while the stream is
   * still wanted and has no consumer, waits as the policy says and tries again.
   */
  private keepReceiving(entry: Wanted, firstDelayMs?: number): void {
    if (entry.trying) return;
    entry.trying = true;
    const still = () => !this.closed && this.wanted.get(keyOf(entry.target)) === entry && entry.consumer === undefined;
    void this.retrying(still, async () => {
      try {
        const generation = this.generation;
        const consumer = await this.consume(entry.target, entry.layer);
        // Stopped, asked again or rebuilt while this consumer was being set up: it is not wanted any more.
        if (!still() || generation !== this.generation) {
          this.closeConsumer(consumer);
          return false;
        }
        entry.consumer = consumer;
        for (const waiter of entry.first.splice(0)) waiter.resolve(consumer.track);
        for (const listener of this.trackListeners.get(keyOf(entry.target)) ?? []) listener(consumer.track);
        return true;
      } catch (error) {
        // Not publishing (yet), or the media is moving: try again. Refused for good: give up.
        if (!(error instanceof SessionError && FINAL.has(error.code))) return false;
        for (const waiter of entry.first.splice(0)) waiter.reject(error);
        return true;
      }
    }, firstDelayMs).finally(() => (entry.trying = false));
  }

  /**
   * The one policy for trying again, for receiving and publishing alike: wait as the policy
   * says, let a rebuild finish, skip while the socket is away (the rebuild on its return does
   * it), try; until a try says it is done, `goOn` says no more, or the policy gives up.
   */
  private async retrying(goOn: () => boolean, tryOnce: () => Promise<boolean>, firstDelayMs?: number): Promise<void> {
    const started = Date.now();
    for (let attempt = 1; goOn(); attempt++) {
      const delay = attempt === 1 && firstDelayMs !== undefined ? firstDelayMs : this.receiveAgain.delayBefore(attempt, Date.now() - started);
      if (delay === undefined) return;
      await sleep(delay);
      await this.rebuilding;
      if (!goOn() || !this.channel.connectedNow) continue;
      if (await tryOnce()) return;
    }
  }

  /** Sets the transports up again, publishes again, and receives everything wanted again. */
  private rebuild(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.generation++;
    const rebuild = (this.rebuilding ?? Promise.resolve()).then(async () => {
      this.sendTransport?.close();
      this.recvTransport?.close();
      this.sendTransport = undefined;
      this.recvTransport = undefined;
      this.making.send = undefined;
      this.making.recv = undefined;
      this.device = undefined;
      for (const entry of this.wanted.values()) entry.consumer = undefined; // closed with their transport
      if (this.published) await this.produce(this.published).catch(() => this.keepPublishing());
    });
    const settled = rebuild.catch(() => undefined);
    this.rebuilding = settled;
    void settled.then(() => {
      if (this.rebuilding === settled) this.rebuilding = undefined;
      for (const entry of this.wanted.values()) this.keepReceiving(entry, 0);
    });
    return rebuild;
  }

  /** Publishes the camera again until it works (the media moving, a refusal passing), as streams are received again. */
  private keepPublishing(): void {
    if (this.republishing) return;
    this.republishing = true;
    // Published meanwhile (a rebuild publishes by itself): once is enough.
    const still = () => !this.closed && this.published !== undefined && this.publishedIn !== this.generation;
    void this.retrying(still, async () => {
      const published = await this.produce(this.published as MediaStream).then(() => true, () => false);
      if (!published) {
        // What was made of a failed try (a transport, part of the tracks) goes: the next try starts clean.
        this.sendTransport?.close();
        this.sendTransport = undefined;
        this.making.send = undefined;
      }
      return published;
    }).finally(() => (this.republishing = false));
  }

  private async produce(stream: MediaStream): Promise<void> {
    const generation = this.generation;
    const transport = await this.transport('send');
    for (const track of stream.getTracks()) {
      // The page owns the camera, not the producer: closing a transport (media rebuilt) must not stop it.
      const producer = await transport.produce({ track, stopTracks: false, ...(track.kind === 'video' ? { encodings: CAMERA_ENCODINGS } : {}) });
      if (track.kind === 'video') this.camera = producer;
    }
    this.publishedIn = generation;
  }

  /** A consumer of the target, resumed once its track is wired, so the first keyframe is not lost. */
  private async consume(target: ReceiveTarget, layer: number | undefined): Promise<types.Consumer> {
    const transport = await this.transport('recv');
    const device = await this.loadedDevice();
    const info = await this.channel.request('media:consume', { transportId: transport.id, target, rtpCapabilities: device.rtpCapabilities as never });
    const consumer = await transport
      .consume({ id: info.id, producerId: info.producerId, kind: info.kind, rtpParameters: info.rtpParameters as types.RtpParameters })
      .catch((error: unknown) => {
        // Made at the server, refused here (a codec this browser cannot take): the server's goes too.
        this.channel.tell('media:closeConsumer', { consumerId: info.id });
        throw error;
      });
    try {
      await this.channel.request('media:resume', { consumerId: info.id, ...(layer === undefined ? {} : { layer }) });
    } catch (error) {
      this.closeConsumer(consumer);
      throw error;
    }
    return consumer;
  }

  /** True while a WebRTC transport is not connected (the page shows "reconnecting"). */
  get trouble(): boolean {
    return [this.sendTransport, this.recvTransport].some((t) => t && (t.connectionState === 'disconnected' || t.connectionState === 'failed'));
  }

  /** WebRTC statistics of the receiving side (frames decoded, bytes, ...). */
  async receiveStats(): Promise<RTCStatsReport | undefined> {
    return this.recvTransport?.getStats();
  }

  /** WebRTC statistics of the publishing side. */
  async sendStats(): Promise<RTCStatsReport | undefined> {
    return this.sendTransport?.getStats();
  }

  close(): void {
    this.closed = true;
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe();
    for (const key of [...this.wanted.keys()]) this.drop(key, new SessionError(ErrorCode.NOT_FOUND, 'The session closed'));
    this.sendTransport?.close();
    this.recvTransport?.close();
  }

  private loadedDevice(): Promise<Device> {
    this.device ??= (async () => {
      const capabilities = await this.channel.request('media:capabilities');
      const device = new Device();
      await device.load({ routerRtpCapabilities: capabilities as types.RtpCapabilities });
      return device;
    })();
    // A failed load is not kept: the next stream asks again.
    const loading = this.device;
    loading.catch(() => this.device === loading && (this.device = undefined));
    return loading;
  }

  private transport(direction: 'send' | 'recv'): Promise<types.Transport> {
    let making = this.making[direction];
    if (!making) {
      const generation = this.generation;
      making = this.makeTransport(direction).then((transport) => {
        // Rebuilt meanwhile: this one belongs to the old setup.
        if (generation !== this.generation) {
          transport.close();
          throw new SessionError(ErrorCode.UNAVAILABLE, 'The media was set up again meanwhile');
        }
        if (direction === 'send') this.sendTransport = transport;
        else this.recvTransport = transport;
        return transport;
      });
      this.making[direction] = making;
      const made = making;
      made.catch(() => this.making[direction] === made && (this.making[direction] = undefined));
    }
    return making;
  }

  /** Forgets a transport that can carry nothing (closing it); the streams on it are received again. */
  private discard(direction: 'send' | 'recv', transport: types.Transport): void {
    transport.close();
    if (direction === 'send' ? this.sendTransport !== transport : this.recvTransport !== transport) return;
    if (direction === 'send') this.sendTransport = undefined;
    else this.recvTransport = undefined;
    this.making[direction] = undefined;
    if (direction === 'send') this.keepPublishing();
    for (const entry of this.wanted.values()) {
      if (entry.consumer?.closed) {
        entry.consumer = undefined;
        this.keepReceiving(entry);
      }
    }
  }

  private async makeTransport(direction: 'send' | 'recv'): Promise<types.Transport> {
    const device = await this.loadedDevice();
    const info = await this.channel.request('media:createTransport');
    const options = {
      id: info.id,
      iceParameters: info.iceParameters as types.IceParameters,
      iceCandidates: info.iceCandidates as types.IceCandidate[],
      dtlsParameters: info.dtlsParameters as types.DtlsParameters,
      iceServers: info.iceServers,
      iceTransportPolicy: iceTransportPolicy(),
    };
    const transport = direction === 'send' ? device.createSendTransport(options) : device.createRecvTransport(options);
    transport.on('connectionstatechange', (state) => {
      this.channel.changed();
      // The network path broke while the control channel stayed up: new ICE credentials, same media.
      if (state === 'failed' && this.channel.connectedNow) {
        this.channel.request('media:restartIce', { transportId: transport.id }).then(
          async (answer) => {
            if (transport.closed) return;
            // Fresh TURN credentials: the old ones may have expired, and a new allocation needs valid ones.
            if (answer.iceServers) await transport.updateIceServers({ iceServers: answer.iceServers });
            await transport.restartIce({ iceParameters: answer.iceParameters as types.IceParameters });
          },
          () => undefined,
        ).catch(() => undefined);
      }
    });
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      this.channel.request('media:connectTransport', { transportId: transport.id, dtlsParameters: dtlsParameters as never }).then(
        () => callback(),
        (error: Error) => {
          // mediasoup-client connects a transport once: one whose connect failed carries nothing
          // ever again. It goes, and the next stream makes a new one.
          errback(error);
          this.discard(direction, transport);
        },
      );
    });
    if (direction === 'send') {
      transport.on('produce', ({ kind, rtpParameters }, callback, errback) => {
        this.channel.request('media:produce', { transportId: transport.id, kind, rtpParameters: rtpParameters as never }).then(({ id }) => callback({ id }), errback);
      });
    }
    return transport;
  }
}

/**
 * `?ice=relay` on a page's address makes its media go through the TURN server only, as it must
 * from a network that lets nothing else out: how an IT team checks the relay path from a venue
 * before the day (and how the tests force it). Anything else: every path ICE finds.
 */
function iceTransportPolicy(): RTCIceTransportPolicy {
  return typeof location !== 'undefined' && new URLSearchParams(location.search).get('ice') === 'relay' ? 'relay' : 'all';
}
