import { io, type Socket } from 'socket.io-client';
import { Device } from 'mediasoup-client';
import type { types } from 'mediasoup-client';
import {
  ConferenceMirror,
  type Ack,
  type ClientToServerEvents,
  type Command,
  type HandshakeAuth,
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
export type ReceiveTarget = { program: 'audio' | 'video' } | { venueId: string; kind: 'audio' | 'video' };

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
  private readonly receiving: { target: ReceiveTarget; layer: number | undefined }[] = [];
  /** Called with every track this session receives, also after the media was rebuilt. */
  onTrack: ((target: ReceiveTarget, track: MediaStreamTrack) => void) | undefined;

  constructor(url: string, auth: HandshakeAuth) {
    this.socket = io(url, { auth, transports: ['websocket'] });
    this.socket.on('snapshot', (snapshot) => {
      this.identity = snapshot.identity;
      this.mirror.reset(snapshot.state);
    });
    this.socket.on('mediaReset', () => {
      void this.rebuildMedia();
    });
    this.socket.on('event', (event) => {
      this.mirror.receive(event);
      // A gap that does not close within half a second: ask for the full state.
      if (this.mirror.hasGap && !this.gapTimer) {
        this.gapTimer = setTimeout(() => {
          this.gapTimer = undefined;
          if (this.mirror.hasGap) this.socket.emit('sync', (answer) => answer.ok && this.mirror.reset(answer.data.state));
        }, 500);
      }
    });
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

  /** Publishes the venue's camera (simulcast) and microphone into the conference. */
  async publish(stream: MediaStream): Promise<void> {
    this.published = stream;
    const transport = await this.transport('send');
    for (const track of stream.getTracks()) {
      // The session owns the camera, not the producer: closing a transport (media rebuilt) must not stop it.
      await transport.produce({ track, stopTracks: false, ...(track.kind === 'video' ? { encodings: CAMERA_ENCODINGS } : {}) });
    }
  }

  /** Receives the program or a venue; resumes once the track is wired, so the first keyframe is not lost. */
  async receive(target: ReceiveTarget, layer?: number): Promise<{ track: MediaStreamTrack; consumerId: string }> {
    this.receiving.push({ target, layer });
    return this.consume(target, layer);
  }

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
    unwrap(await this.socket.timeout(10_000).emitWithAck('media:resume', { consumerId: info.id, ...(layer === undefined ? {} : { layer }) }));
    this.onTrack?.(target, consumer.track);
    return { track: consumer.track, consumerId: info.id };
  }

  /**
   * The server rebuilt the conference's media (its worker died): the old
   * transports are dead. Set them up again, publish again, receive again.
   */
  private async rebuildMedia(): Promise<void> {
    this.sendTransport?.close();
    this.recvTransport?.close();
    this.sendTransport = undefined;
    this.recvTransport = undefined;
    this.device = undefined;
    if (this.published) await this.publish(this.published);
    for (const { target, layer } of this.receiving) await this.consume(target, layer);
  }

  /** WebRTC statistics of the receiving side (frames decoded, bytes, ...). */
  async receiveStats(): Promise<RTCStatsReport | undefined> {
    return this.recvTransport?.getStats();
  }

  close(): void {
    clearTimeout(this.gapTimer);
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
