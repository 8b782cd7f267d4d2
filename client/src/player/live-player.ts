import Hls from 'hls.js';

/** A live broadcast playing in a <video>, recovering from errors by itself. */
export interface LivePlayer {
  /** Seconds behind the live edge as hls.js estimates it (undefined on native HLS). */
  readonly latency: number | undefined;
  destroy(): void;
}

/**
 * Plays the LL-HLS broadcast at `url` in `video`: hls.js in low-latency mode
 * (with a catch-up rate, without which it never closes the gap to the live
 * edge), or the browser's own HLS where hls.js cannot run (iOS Safari). Network
 * errors reload, media errors recover; the viewer never has to reload the page.
 */
export function playLive(video: HTMLVideoElement, url: string): LivePlayer {
  if (!Hls.isSupported()) {
    video.src = url;
    void video.play().catch(() => undefined);
    return { latency: undefined, destroy: () => video.removeAttribute('src') };
  }
  const hls = new Hls({ lowLatencyMode: true, maxLiveSyncPlaybackRate: 1.5, backBufferLength: 30 });
  hls.on(Hls.Events.ERROR, (_event, data) => {
    if (!data.fatal) return;
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
    else setTimeout(() => hls.startLoad(), 1000);
  });
  hls.attachMedia(video);
  hls.loadSource(url);
  hls.on(Hls.Events.MANIFEST_PARSED, () => void video.play().catch(() => undefined));
  return {
    get latency() {
      return hls.latency;
    },
    destroy: () => hls.destroy(),
  };
}
