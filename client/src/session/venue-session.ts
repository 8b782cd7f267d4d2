import type { CaptionerLink, HandshakeAuth, InterpreterLink, Command, Identity, JoinLink, VenueMediaStats, DestinationStatus } from '@plenary/shared';
import { ControlChannel, SessionError, type ControlChannelOptions, type SessionStatus } from './control-channel';
import { VenueMedia, type ReceiveTarget } from './venue-media';

export { SessionError, type SessionStatus, type ReceiveTarget };

/**
 * One browser's session with Plenary, without any UI: the control channel
 * (socket, mirror, requests with one retry policy) and the venue's media
 * (devices, transports, what it receives, with one policy for receiving
 * again), as LiveKit's Room sits on its RTCEngine. The pages use this; the two
 * parts can be read apart.
 */
export class VenueSession {
  private readonly channel: ControlChannel;
  private readonly media: VenueMedia;

  constructor(url: string, auth: HandshakeAuth, options: ControlChannelOptions = {}) {
    this.channel = new ControlChannel(url, auth, options);
    this.media = new VenueMedia(this.channel);
  }

  get mirror() {
    return this.channel.mirror;
  }

  get identity(): Identity | undefined {
    return this.channel.identity;
  }

  get status(): SessionStatus {
    return this.channel.status;
  }

  /** The server's refusal, when status is 'refused'. */
  get refusal(): SessionError | undefined {
    return this.channel.refusal;
  }

  /** Counts changes of state and status: what a UI compares to know it must render again. */
  get revision(): number {
    return this.channel.revision;
  }

  /** Calls `listener` whenever the conference state or the connection status changes; returns the unsubscribe. */
  subscribe(listener: () => void): () => void {
    return this.channel.subscribe(listener);
  }

  /** Resolves once the first snapshot arrived; rejects with the server's refusal. */
  connected(): Promise<void> {
    return this.channel.connected();
  }

  /** Sends a conference command; resolves with the new state version (sent again, same id, if its answer is lost). */
  command(command: Command): Promise<number> {
    return this.channel.command(command);
  }

  /** The presider's view of every venue's incoming media (bitrate, loss, RTT). */
  mediaStats(): Promise<VenueMediaStats[]> {
    return this.channel.request('media:stats');
  }

  /** The presider's view of the restream destinations (state, bitrate, why one retries). */
  destinations(): Promise<DestinationStatus[]> {
    return this.channel.request('media:destinations');
  }

  /** The presider asks for a venue's current join link. */
  joinLink(venueId: string): Promise<JoinLink> {
    return this.channel.request('joinLink', { venueId });
  }

  /** The presider asks for a captions channel's captioner link. */
  captionerLink(channelId: string): Promise<CaptionerLink> {
    return this.channel.request('captionerLink', { channelId });
  }

  /** The presider asks for an interpretation channel's interpreter link. */
  interpreterLink(channelId: string): Promise<InterpreterLink> {
    return this.channel.request('interpreterLink', { channelId });
  }

  /** Publishes the venue's camera (simulcast) and microphone into the conference (an interpreter: its microphone only). */
  publish(stream: MediaStream): Promise<void> {
    return this.media.publish(stream);
  }

  /** Receives the program or a venue until stopReceiving, again after any fault; resolves with the first track. */
  receive(target: ReceiveTarget, layer?: number): Promise<MediaStreamTrack> {
    return this.media.receive(target, layer);
  }

  /** Stops receiving a target (its tile closed). */
  stopReceiving(target: ReceiveTarget): void {
    this.media.stopReceiving(target);
  }

  /** Calls `listener` with each new track of `target`, e.g. after the media was rebuilt. */
  onTrackFor(target: ReceiveTarget, listener: (track: MediaStreamTrack) => void): () => void {
    return this.media.onTrackFor(target, listener);
  }

  /** True while a WebRTC transport is not connected (the page shows "reconnecting"). */
  get mediaTrouble(): boolean {
    return this.media.trouble;
  }

  /** WebRTC statistics of the receiving side (frames decoded, bytes, ...). */
  receiveStats(): Promise<RTCStatsReport | undefined> {
    return this.media.receiveStats();
  }

  sendStats(): Promise<RTCStatsReport | undefined> {
    return this.media.sendStats();
  }

  close(): void {
    this.media.close();
    this.channel.close();
  }
}
