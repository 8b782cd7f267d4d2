import { io, type Socket } from 'socket.io-client';
import { Device } from 'mediasoup-client';
import type { types } from 'mediasoup-client';
import {
  ConferenceMirror,
  type Ack,
  type ClientToServerEvents,
  type ConsumeTarget,
  type Command,
  type HandshakeAuth,
  type JoinLink,
  type VenueMediaStats,
  type Identity,
  type MediaConsumerInfo,
  type MediaTransportInfo,
  type ServerToClientEvents,
} from '@plenary/shared';

type ControlSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A refusal from the server, with its stable code. */
export class SessionError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SessionError';
  }
}

/** What a venue may receive: the program or one venue's camera or microphone. */
export type ReceiveTarget = ConsumeTarget;

/** Where the session stands, for the page to show. */
export type SessionStatus = 'connecting' | 'connected' | 'reconnecting' | 'refused';

const keyOf = (target: ReceiveTarget) => ('program' in target ? `program:${target.program}` : `${target.venueId}:${target.kind}`);

/** Simulcast for cameras: a low layer for the presider's thumbnails, a high one for the program. */
const CAMERA_ENCODINGS: RTCRtpEncodingParameters[] = [
  { rid: 'low', scaleResolutionDownBy: 2, maxBitrate: 300_000 },
  { rid: 'high', scaleResolutionDownBy: 1, maxBitrate: 1_200_000 },
];

/**
 * One browser's session with Plenary, without any UI: the control channel
 * (snapshot, ordered events, commands with acks) and the venue's WebRTC media
 * (publish camera and microphone, receive the program and other venues).
 */
export class VenueSession {
  readonly mirror = new ConferenceMirror();
  identity: Identity | undefined;
  private readonly socket: ControlSocket;
  private device: Device | undefined;
  private sendTransport: types.Transport | undefined;
  private recvTransport: types.Transport | undefined;
  private gapTimer: ReturnType<typeof setTimeout> | undefined;
  private published: MediaStream | undefined;
  /** What this session receives, by target, with the current consumer: received again after a rebuild. */
  private readonly receiving = new Map<string, { target: ReceiveTarget; layer: number | undefined; consumerId: string | undefined }>();
  private readonly listeners = new Set<() => void>();
  private readonly trackListeners = new Map<string, Set<(track: MediaStreamTrack) => void>>();
  /** Counts changes of state and status: what a UI compares to know it must render again. */
  revision = 0;
  private rebuilding: Promise<void> | undefined;
  status: SessionStatus = 'connecting';
  /** The server's refusal, when status is 'refused'. */
  refusal: SessionError | undefined;

  constructor(url: string, auth: HandshakeAuth) {
    this.socket = io(url, { auth, transports: ['websocket'] });
    let everConnected = false;
    this.socket.on('connect', () => {
      this.setStatus('connected');
      // Back after a disconnect: the server closed this venue's media when it left; set it up again.
      if (everConnected) void this.rebuildMedia();
      everConnected = true;
    });
    let cutOffAt = 0;
    this.socket.on('disconnect', (reason) => {
      if (reason !== 'io server disconnect') return this.setStatus('reconnecting'); // socket.io retries by itself
      // The server cut this socket off (its link was replaced, its venue removed). Connecting once
      // more asks the handshake, which says why in words a person understands; cut off again at
      // once, it is final.
      const again = Date.now() - cutOffAt > 5000;
      cutOffAt = Date.now();
      if (again) {
        this.setStatus('connecting');
        this.socket.connect();
      } else this.setStatus('refused');
    });
    this.socket.on('connect_error', (error: Error & { data?: { code?: string } }) => {
      if (error.data?.code) {
        this.refusal = new SessionError(error.data.code, error.message);
        this.setStatus('refused');
      } else {
        this.setStatus(everConnected ? 'reconnecting' : 'connecting');
      }
    });
    this.socket.on('snapshot', (snapshot) => {
      this.identity = snapshot.identity;
      this.mirror.reset(snapshot.state);
      this.changed();
    });
    // A server restart or deploy: socket.io reconnects by itself, and the media is set up again then.
    this.socket.on('serverClosing', () => this.setStatus('reconnecting'));
    this.socket.on('consumerClosed', ({ consumerId }) => void this.receiveAgain(consumerId));
    this.socket.on('mediaReset', () => {
      void this.rebuildMedia();
    });
    this.socket.on('event', (event) => {
      this.mirror.receive(event);
      this.changed();
      // A gap that does not close within half a second: ask for the full state.
      if (this.mirror.hasGap && !this.gapTimer) {
        this.gapTimer = setTimeout(() => {
          this.gapTimer = undefined;
          if (this.mirror.hasGap) this.socket.emit('sync', (answer) => answer.ok && (this.mirror.reset(answer.data.state), this.changed()));
        }, 500);
      }
    });
  }

  /** Calls `listener` whenever the conference state or the connection status changes; returns the unsubscribe. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Calls `listener` with each new track of `target`, e.g. after the media was rebuilt. */
  onTrackFor(target: ReceiveTarget, listener: (track: MediaStreamTrack) => void): () => void {
    const key = keyOf(target);
    const set = this.trackListeners.get(key) ?? new Set();
    this.trackListeners.set(key, set);
    set.add(listener);
    return () => set.delete(listener);
  }

  private changed(): void {
    this.revision++;
    for (const listener of this.listeners) listener();
  }

  private setStatus(status: SessionStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.changed();
  }

  /** Resolves once the first snapshot arrived; rejects with the server's refusal. */
  connected(): Promise<void> {
    if (this.mirror.state) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.socket.once('snapshot', () => resolve());
      this.socket.once('connect_error', (error: Error & { data?: { code?: string } }) =>
        reject(new SessionError(error.data?.code ?? 'UNAVAILABLE', error.message)),
      );
    });
  }

  /** Sends a conference command; resolves with the new state version. */
  async command(command: Command): Promise<number> {
    const id = crypto.randomUUID();
    const answer: Ack<{ version: number }> = await this.socket.timeout(10_000).emitWithAck('command', { id, command });
    return unwrap(answer).version;
  }

  /** The presider's view of every venue's incoming media (bitrate, loss, RTT). */
  async mediaStats(): Promise<VenueMediaStats[]> {
    return unwrap(await this.socket.timeout(10_000).emitWithAck('media:stats'));
  }

  /** The presider asks for a venue's current join link. */
  async joinLink(venueId: string): Promise<JoinLink> {
    return unwrap(await this.socket.timeout(10_000).emitWithAck('joinLink', { venueId }));
  }

  /** Publishes the venue's camera (simulcast) and microphone into the conference. */
  async publish(stream: MediaStream): Promise<void> {
    this.published = stream;
    const transport = await this.transport('send');
    for (const track of stream.getTracks()) {
      // The session owns the camera, not the producer: closing a transport (media rebuilt) must not stop it.
      await transport.produce({ track, stopTracks: false, ...(track.kind === 'video' ? { encodings: CAMERA_ENCODINGS } : {}) });
    }
  }

  /**
   * Receives the program or a venue; resumes once the track is wired, so the
   * first keyframe is not lost. Receiving the same target again replaces the
   * earlier consumer (e.g. the venue published anew).
   */
  async receive(target: ReceiveTarget, layer?: number): Promise<{ track: MediaStreamTrack; consumerId: string }> {
    await this.rebuilding;
    const key = keyOf(target);
    const earlier = this.receiving.get(key)?.consumerId;
    const entry = { target, layer, consumerId: undefined as string | undefined };
    this.receiving.set(key, entry);
    if (earlier) this.closeConsumer(earlier);
    const received = await this.consume(target, layer);
    entry.consumerId = received.consumerId;
    // Stopped (or asked again) while this consumer was being set up: it is not wanted any more.
    if (this.receiving.get(key) !== entry) this.closeConsumer(received.consumerId);
    return received;
  }

  /** Stops receiving a target (its tile closed). */
  stopReceiving(target: ReceiveTarget): void {
    const key = keyOf(target);
    const consumerId = this.receiving.get(key)?.consumerId;
    this.receiving.delete(key);
    if (consumerId) this.closeConsumer(consumerId);
  }

  private closeConsumer(consumerId: string): void {
    this.consumers.get(consumerId)?.close();
    this.consumers.delete(consumerId);
    if (this.socket.connected) this.socket.emit('media:closeConsumer', { consumerId }, () => undefined);
  }

  private readonly consumers = new Map<string, types.Consumer>();

  private async consume(target: ReceiveTarget, layer: number | undefined): Promise<{ track: MediaStreamTrack; consumerId: string }> {
    const transport = await this.transport('recv');
    const device = await this.loadedDevice();
    const info = unwrap<MediaConsumerInfo>(
      await this.socket.timeout(10_000).emitWithAck('media:consume', { transportId: transport.id, target, rtpCapabilities: device.rtpCapabilities as never }),
    );
    const consumer = await transport.consume({
      id: info.id,
      producerId: info.producerId,
      kind: info.kind,
      rtpParameters: info.rtpParameters as types.RtpParameters,
    });
    this.consumers.set(info.id, consumer);
    unwrap(await this.socket.timeout(10_000).emitWithAck('media:resume', { consumerId: info.id, ...(layer === undefined ? {} : { layer }) }));
    for (const listener of this.trackListeners.get(keyOf(target)) ?? []) listener(consumer.track);
    return { track: consumer.track, consumerId: info.id };
  }

  /**
   * A stream this session receives lost its source (the venue's sender restarted or its browser
   * published anew, without leaving): receive the venue again once it publishes, for up to a
   * minute, unless nobody wants the stream any more or it was received again meanwhile.
   */
  private async receiveAgain(consumerId: string): Promise<void> {
    const entry = [...this.receiving.values()].find((e) => e.consumerId === consumerId);
    this.consumers.get(consumerId)?.close();
    this.consumers.delete(consumerId);
    if (!entry) return;
    entry.consumerId = undefined; // gone at the server already: nothing to close there
    const key = keyOf(entry.target);
    for (let attempt = 0; attempt < 30 && this.socket.active; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, attempt === 0 ? 300 : 2000));
      const current = this.receiving.get(key);
      if (!current || current.consumerId !== undefined) return;
      try {
        await this.receive(current.target, current.layer);
        return;
      } catch {
        // not publishing again yet
      }
    }
  }

  /**
   * The server rebuilt the conference's media (its worker died): the old
   * transports are dead. Set them up again, publish again, receive again.
   */
  private rebuildMedia(): Promise<void> {
    const rebuild = (this.rebuilding ?? Promise.resolve()).then(() => this.setUpMediaAgain());
    const settled = rebuild.catch(() => undefined);
    this.rebuilding = settled;
    void settled.then(() => {
      if (this.rebuilding === settled) this.rebuilding = undefined;
    });
    return rebuild;
  }

  private async setUpMediaAgain(): Promise<void> {
    this.sendTransport?.close();
    this.recvTransport?.close();
    this.sendTransport = undefined;
    this.recvTransport = undefined;
    this.consumers.clear();
    this.device = undefined;
    if (this.published) await this.publish(this.published);
    for (const entry of this.receiving.values()) {
      // A venue that has not published again yet is retried by whoever asked for it.
      entry.consumerId = await this.consume(entry.target, entry.layer).then((r) => r.consumerId, () => undefined);
    }
  }

  /** The network path of a transport broke while the control channel stayed up: new ICE credentials, same media. */
  private async restartIce(transport: types.Transport): Promise<void> {
    const answer = await this.socket.timeout(10_000).emitWithAck('media:restartIce', { transportId: transport.id });
    if (answer.ok && !transport.closed) await transport.restartIce({ iceParameters: answer.data.iceParameters as types.IceParameters });
  }

  /** True while a WebRTC transport is not connected (the page shows "reconnecting"). */
  get mediaTrouble(): boolean {
    return [this.sendTransport, this.recvTransport].some((t) => t && (t.connectionState === 'disconnected' || t.connectionState === 'failed'));
  }

  /** WebRTC statistics of the receiving side (frames decoded, bytes, ...). */
  async receiveStats(): Promise<RTCStatsReport | undefined> {
    return this.recvTransport?.getStats();
  }

  close(): void {
    clearTimeout(this.gapTimer);
    this.listeners.clear();
    this.sendTransport?.close();
    this.recvTransport?.close();
    this.socket.close();
  }

  private async loadedDevice(): Promise<Device> {
    if (!this.device) {
      const capabilities = unwrap(await this.socket.timeout(10_000).emitWithAck('media:capabilities'));
      const device = new Device();
      await device.load({ routerRtpCapabilities: capabilities as types.RtpCapabilities });
      this.device = device;
    }
    return this.device;
  }

  private async transport(direction: 'send' | 'recv'): Promise<types.Transport> {
    const existing = direction === 'send' ? this.sendTransport : this.recvTransport;
    if (existing) return existing;
    const device = await this.loadedDevice();
    const info = unwrap<MediaTransportInfo>(await this.socket.timeout(10_000).emitWithAck('media:createTransport'));
    const options = {
      id: info.id,
      iceParameters: info.iceParameters as types.IceParameters,
      iceCandidates: info.iceCandidates as types.IceCandidate[],
      dtlsParameters: info.dtlsParameters as types.DtlsParameters,
    };
    const transport = direction === 'send' ? device.createSendTransport(options) : device.createRecvTransport(options);
    transport.on('connectionstatechange', (state) => {
      this.changed();
      if (state === 'failed' && this.socket.connected) void this.restartIce(transport).catch(() => undefined);
    });
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      this.socket
        .timeout(10_000)
        .emitWithAck('media:connectTransport', { transportId: transport.id, dtlsParameters: dtlsParameters as never })
        .then((answer) => (answer.ok ? callback() : errback(new SessionError(answer.error.code, answer.error.message))), errback);
    });
    if (direction === 'send') {
      transport.on('produce', ({ kind, rtpParameters }, callback, errback) => {
        this.socket
          .timeout(10_000)
          .emitWithAck('media:produce', { transportId: transport.id, kind, rtpParameters: rtpParameters as never })
          .then((answer) => (answer.ok ? callback({ id: answer.data.id }) : errback(new SessionError(answer.error.code, answer.error.message))), errback);
      });
      this.sendTransport = transport;
    } else {
      this.recvTransport = transport;
    }
    return transport;
  }
}

function unwrap<T>(answer: Ack<T>): T {
  if (!answer.ok) throw new SessionError(answer.error.code, answer.error.message);
  return answer.data;
}
