import type { types } from 'mediasoup';
import { marker, parseVp8, readPictureId, writePictureId } from '../rtp/packet';

/**
 * The codec's part of a program track, chosen once when the track is made: where
 * a cut may begin, where a frame ends, the payload's own numbering that must go
 * on across cuts, and what fills a quiet output. The track keeps the cut and the
 * RTP numbering (sequence numbers, timestamps); this keeps the rest.
 */
export interface TrackCodec {
  readonly kind: types.MediaKind;
  /** Whether a source must be asked for a keyframe before it can be cut in. */
  readonly needsKeyframe: boolean;
  /** A packet that plays as one frame of nothing, to keep the output continuous; none for video. */
  readonly silence: Buffer | undefined;
  /** Whether a cut may begin on this packet. */
  startsCut(packet: Buffer): boolean;
  /** Whether this packet ends a frame (the old source is forwarded to its frame's end). */
  endsFrame(packet: Buffer): boolean;
  /** A new source begins with this packet: its payload numbering continues the output's from here. */
  continueWith(first: Buffer): void;
  /** Rewrites the payload's numbering onto the output's (in place). */
  rewrite(packet: Buffer): void;
}

/**
 * VP8: a cut begins on a keyframe's first packet and the old source is
 * forwarded to its frame's end (the marker bit); picture ID and TL0PICIDX are
 * rewritten so that decoders see one unbroken stream.
 */
export class Vp8Numbering implements TrackCodec {
  readonly kind = 'video';
  readonly needsKeyframe = true;
  readonly silence = undefined;
  private output: { pictureId: number; tl0: number } | undefined;
  private offset = { pictureId: 0, tl0: 0 };

  startsCut(packet: Buffer): boolean {
    return parseVp8(packet)?.keyframeStart === true;
  }

  endsFrame(packet: Buffer): boolean {
    return marker(packet);
  }

  continueWith(first: Buffer): void {
    if (!this.output) return; // the first source numbers the output as it is
    const vp8 = parseVp8(first);
    const pictureId = vp8?.pictureId ? readPictureId(first, vp8.pictureId) : 0;
    const tl0 = vp8?.tl0PicIdxOffset !== undefined ? (first[vp8.tl0PicIdxOffset] ?? 0) : 0;
    this.offset = { pictureId: this.output.pictureId + 1 - pictureId, tl0: this.output.tl0 + 1 - tl0 };
  }

  rewrite(packet: Buffer): void {
    const vp8 = parseVp8(packet);
    let { pictureId, tl0 } = this.output ?? { pictureId: 0, tl0: 0 };
    if (vp8?.pictureId) {
      const modulus = vp8.pictureId.long ? 0x8000 : 0x80;
      pictureId = (((readPictureId(packet, vp8.pictureId) + this.offset.pictureId) % modulus) + modulus) % modulus;
      writePictureId(packet, vp8.pictureId, pictureId);
    }
    if (vp8?.tl0PicIdxOffset !== undefined) {
      tl0 = ((((packet[vp8.tl0PicIdxOffset] ?? 0) + this.offset.tl0) % 256) + 256) % 256;
      packet[vp8.tl0PicIdxOffset] = tl0;
    }
    this.output = { pictureId, tl0 };
  }
}

/** An Opus packet that decodes to 20 ms of silence (CELT, fullband, 20 ms). */
const OPUS_SILENCE = Buffer.from([0xf8, 0xff, 0xfe]);

/** Opus: every packet stands alone (a cut at once, no frame to finish), and quiet is filled with silence. */
export class OpusNumbering implements TrackCodec {
  readonly kind = 'audio';
  readonly needsKeyframe = false;
  readonly silence = OPUS_SILENCE;

  startsCut(): boolean {
    return true;
  }

  endsFrame(): boolean {
    return true;
  }

  continueWith(): void {}

  rewrite(): void {}
}
