/**
 * Just enough ISO BMFF (fragmented MP4, as ffmpeg writes it with empty_moov and
 * default_base_moof) to cut a live stream into LL-HLS parts: split top-level
 * boxes, find the media timescale in the init segment, and read each
 * fragment's start time, duration and whether it starts on a sync sample.
 */

/** A top-level box with its bytes (header included). */
export interface Box {
  type: string;
  bytes: Buffer;
}

/** Splits a byte stream into whole top-level boxes; keeps partial data for the next chunk. */
export class BoxSplitter {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Box[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const boxes: Box[] = [];
    let offset = 0;
    for (;;) {
      if (this.pending.length - offset < 8) break;
      let size = this.pending.readUInt32BE(offset);
      const type = this.pending.toString('latin1', offset + 4, offset + 8);
      if (size === 1) {
        if (this.pending.length - offset < 16) break;
        size = Number(this.pending.readBigUInt64BE(offset + 8));
      }
      if (size < 8) throw new Error(`malformed box "${type}" of size ${size}`);
      if (this.pending.length - offset < size) break;
      boxes.push({ type, bytes: this.pending.subarray(offset, offset + size) });
      offset += size;
    }
    this.pending = this.pending.subarray(offset);
    return boxes;
  }
}

/** Children of a container box (the box's own 8-byte header skipped). */
function children(box: Buffer, headerLength = 8): Box[] {
  const found: Box[] = [];
  let offset = headerLength;
  while (offset + 8 <= box.length) {
    const size = box.readUInt32BE(offset);
    const type = box.toString('latin1', offset + 4, offset + 8);
    if (size < 8 || offset + size > box.length) break;
    found.push({ type, bytes: box.subarray(offset, offset + size) });
    offset += size;
  }
  return found;
}

const child = (box: Buffer, type: string) => children(box).find((c) => c.type === type)?.bytes;

/** What the init segment tells: the media timescale and the defaults fragments may rely on. */
export interface InitInfo {
  timescale: number;
  defaultSampleDuration: number;
  defaultSampleFlags: number;
}

/** Reads the timescale (mdhd) and trex defaults of the first track of a moov box. */
export function readInit(moov: Buffer): InitInfo {
  const trak = child(moov, 'trak');
  const mdhd = trak && child(child(trak, 'mdia') ?? Buffer.alloc(0), 'mdhd');
  if (!mdhd) throw new Error('no mdhd in moov');
  const version = mdhd[8] ?? 0;
  const timescale = mdhd.readUInt32BE(version === 1 ? 28 : 20);
  const trex = child(child(moov, 'mvex') ?? Buffer.alloc(0), 'trex');
  return {
    timescale,
    defaultSampleDuration: trex ? trex.readUInt32BE(20) : 0,
    defaultSampleFlags: trex ? trex.readUInt32BE(28) : 0,
  };
}

/** One fragment's timing: start (tfdt), duration (sum of sample durations), and sync start. */
export interface FragmentInfo {
  /** Decode time of the first sample, in timescale units. */
  startTime: number;
  /** Duration in timescale units. */
  duration: number;
  /** The first sample is a sync sample (a keyframe): a segment or independent part may start here. */
  independent: boolean;
}

/** Reads tfhd/tfdt/trun of the first traf of a moof box. */
export function readFragment(moof: Buffer, init: InitInfo): FragmentInfo {
  const traf = child(moof, 'traf');
  if (!traf) throw new Error('no traf in moof');
  const tfhd = child(traf, 'tfhd');
  const tfdt = child(traf, 'tfdt');
  const trun = child(traf, 'trun');
  if (!tfhd || !tfdt || !trun) throw new Error('moof lacks tfhd, tfdt or trun');

  const tfhdFlags = tfhd.readUInt32BE(8) & 0xffffff;
  let at = 16; // after version/flags and track_ID
  if (tfhdFlags & 0x01) at += 8; // base_data_offset
  if (tfhdFlags & 0x02) at += 4; // sample_description_index
  const defaultDuration = tfhdFlags & 0x08 ? tfhd.readUInt32BE(at) : init.defaultSampleDuration;
  if (tfhdFlags & 0x08) at += 4;
  if (tfhdFlags & 0x10) at += 4; // default_sample_size
  const defaultFlags = tfhdFlags & 0x20 ? tfhd.readUInt32BE(at) : init.defaultSampleFlags;

  const startTime = tfdt[8] === 1 ? Number(tfdt.readBigUInt64BE(12)) : tfdt.readUInt32BE(12);

  const trunFlags = trun.readUInt32BE(8) & 0xffffff;
  const sampleCount = trun.readUInt32BE(12);
  let offset = 16;
  if (trunFlags & 0x01) offset += 4; // data_offset
  let firstSampleFlags: number | undefined;
  if (trunFlags & 0x04) {
    firstSampleFlags = trun.readUInt32BE(offset);
    offset += 4;
  }
  let duration = 0;
  for (let i = 0; i < sampleCount; i++) {
    let sampleDuration = defaultDuration;
    if (trunFlags & 0x100) {
      sampleDuration = trun.readUInt32BE(offset);
      offset += 4;
    }
    if (trunFlags & 0x200) offset += 4; // size
    if (trunFlags & 0x400) {
      if (i === 0 && firstSampleFlags === undefined) firstSampleFlags = trun.readUInt32BE(offset);
      offset += 4;
    }
    if (trunFlags & 0x800) offset += 4; // composition time offset
    duration += sampleDuration;
  }
  const flags = firstSampleFlags ?? defaultFlags;
  // sample_is_non_sync_sample is bit 16 of the sample flags.
  return { startTime, duration, independent: (flags & 0x00010000) === 0 };
}
