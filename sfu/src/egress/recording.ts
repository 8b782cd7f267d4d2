import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { RenditionArchive } from '../archive/recorder';
import { multivariantPlaylist, type VariantInfo } from '../hls/playlist';
import type { CaptionTrackInfo } from '../hls/captions';
import { MULTIVARIANT_PLAYLIST } from '../hls/names';
import type { InterpretationChannelInfo } from '../program/interpretation';
import { AUDIO_BITRATE, AUDIO_CODECS } from './ladder';

/**
 * The broadcast's recording on disk: one archive per rendition, and the multivariant playlist that
 * plays it. An interpretation channel keeps its archive when it goes, and records on into it if it
 * comes back; the playlist lists every channel ever recorded.
 */
export class BroadcastRecording {
  private readonly archives = new Map<string, RenditionArchive>();
  private readonly channels = new Map<string, InterpretationChannelInfo>();
  private masterWrites: Promise<void> = Promise.resolve();

  constructor(
    private readonly dir: string,
    private readonly segmentSeconds: number,
    private readonly logger: Logger,
  ) {}

  /** The archive of a rendition (an interpretation channel's says which channel it is). */
  archiveFor(name: string, channel?: InterpretationChannelInfo): RenditionArchive {
    let archive = this.archives.get(name);
    if (!archive) {
      archive = new RenditionArchive(join(this.dir, name), Math.round(this.segmentSeconds) + 1, this.logger);
      this.archives.set(name, archive);
    }
    if (channel) this.channels.set(name, channel);
    return archive;
  }

  /** Writes the recording's multivariant playlist, one write at a time (two changes must not interleave). */
  writeMaster(variants: VariantInfo[], captions: readonly CaptionTrackInfo[]): Promise<void> {
    this.masterWrites = this.masterWrites
      .then(async () => {
        await mkdir(this.dir, { recursive: true });
        await writeFile(join(this.dir, MULTIVARIANT_PLAYLIST), multivariantPlaylist(variants, AUDIO_BITRATE, AUDIO_CODECS, captions, [...this.channels.values()]));
      })
      .catch((error: unknown) => this.logger.error({ err: error }, "could not write the recording's playlist"));
    return this.masterWrites;
  }

  /** The recording is finished: its playlists end, and it plays as video on demand. */
  async end(): Promise<void> {
    await Promise.all([...this.archives.values()].map((archive) => archive.end()));
    await this.masterWrites;
  }
}
