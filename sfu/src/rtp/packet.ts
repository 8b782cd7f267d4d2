/**
 * Just enough RTP (RFC 3550) to rewrite a stream in place: the fixed header
 * fields, where the payload starts, and the VP8 payload descriptor (RFC 7741).
 * Every function works on the packet buffer as received from mediasoup.
 */

/** Offset of the payload: after the fixed header, the CSRCs and any header extension. */
export function payloadOffset(packet: Buffer): number {
  const csrcCount = (packet[0] ?? 0) & 0x0f;
  let offset = 12 + 4 * csrcCount;
  if (((packet[0] ?? 0) & 0x10) !== 0) offset += 4 + 4 * packet.readUInt16BE(offset + 2);
  return offset;
}

export const isRtp = (packet: Buffer) => packet.length >= 12 && ((packet[0] ?? 0) >> 6) === 2;
export const marker = (packet: Buffer) => ((packet[1] ?? 0) & 0x80) !== 0;
export const sequenceNumber = (packet: Buffer) => packet.readUInt16BE(2);
export const timestamp = (packet: Buffer) => packet.readUInt32BE(4);
export const ssrc = (packet: Buffer) => packet.readUInt32BE(8);

/** Rewrites SSRC, payload type, sequence number and timestamp in place. */
export function rewriteHeader(packet: Buffer, fields: { ssrc: number; payloadType: number; sequenceNumber: number; timestamp: number }): void {
  packet[1] = ((packet[1] ?? 0) & 0x80) | (fields.payloadType & 0x7f);
  packet.writeUInt16BE(fields.sequenceNumber & 0xffff, 2);
  packet.writeUInt32BE(fields.timestamp >>> 0, 4);
  packet.writeUInt32BE(fields.ssrc >>> 0, 8);
}

/** What the switcher needs from a VP8 payload descriptor. */
export interface Vp8Descriptor {
  /** First packet of a frame (S bit set, partition 0). */
  frameStart: boolean;
  /** First packet of a keyframe: decoding can start here. */
  keyframeStart: boolean;
  /** Where the picture ID sits, and whether it is 15 bits (else 7); undefined if absent. */
  pictureId: { offset: number; long: boolean } | undefined;
  /** Where TL0PICIDX sits; undefined if absent. */
  tl0PicIdxOffset: number | undefined;
}

export function parseVp8(packet: Buffer): Vp8Descriptor | undefined {
  let at = payloadOffset(packet);
  const first = packet[at];
  if (first === undefined) return undefined;
  const frameStart = (first & 0x10) !== 0 && (first & 0x07) === 0;
  let pictureId: Vp8Descriptor['pictureId'];
  let tl0PicIdxOffset: number | undefined;
  at++;
  if ((first & 0x80) !== 0) {
    const ext = packet[at++] ?? 0;
    if ((ext & 0x80) !== 0) {
      const long = ((packet[at] ?? 0) & 0x80) !== 0;
      pictureId = { offset: at, long };
      at += long ? 2 : 1;
    }
    if ((ext & 0x40) !== 0) tl0PicIdxOffset = at++;
    if ((ext & 0x30) !== 0) at++;
  }
  // The VP8 payload header's P bit is 0 on keyframes.
  const keyframeStart = frameStart && ((packet[at] ?? 0xff) & 0x01) === 0;
  return { frameStart, keyframeStart, pictureId, tl0PicIdxOffset };
}

export function readPictureId(packet: Buffer, where: { offset: number; long: boolean }): number {
  return where.long ? packet.readUInt16BE(where.offset) & 0x7fff : (packet[where.offset] ?? 0) & 0x7f;
}

export function writePictureId(packet: Buffer, where: { offset: number; long: boolean }, value: number): void {
  if (where.long) packet.writeUInt16BE(0x8000 | (value & 0x7fff), where.offset);
  else packet[where.offset] = value & 0x7f;
}
