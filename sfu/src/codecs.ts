import type { types } from 'mediasoup';

/**
 * The codecs every conference router offers. VP8 and H.264 constrained baseline
 * are what every browser sends; H.264 is also what the broadcast ladder wants.
 * Opus for all audio.
 */
export const routerMediaCodecs: types.RtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000, parameters: {} },
  {
    kind: 'video',
    mimeType: 'video/H264',
    clockRate: 90000,
    parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 },
  },
];
