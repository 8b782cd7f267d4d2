import type { Page } from 'playwright-core';

/**
 * What a page plays into its room: the level (dB) at each frequency of the sum of its unmuted
 * media elements' sound, each at its volume, as a WebAudio analyser hears it over half a second
 * (runs in the page). Silence reads about -130 dB; a venue's tone played back about -65 dB.
 */
const HEARD = `async (frequencies) => {
  const context = new AudioContext();
  const analyser = context.createAnalyser();
  analyser.fftSize = 8192;
  analyser.smoothingTimeConstant = 0.5;
  for (const element of document.querySelectorAll('video, audio')) {
    const stream = element.srcObject;
    if (element.muted || element.paused || !(stream instanceof MediaStream) || stream.getAudioTracks().length === 0) continue;
    const gain = context.createGain();
    gain.gain.value = element.volume;
    context.createMediaStreamSource(stream).connect(gain).connect(analyser);
  }
  await new Promise((resolve) => setTimeout(resolve, 600));
  const bins = new Float32Array(analyser.frequencyBinCount);
  analyser.getFloatFrequencyData(bins);
  const width = context.sampleRate / analyser.fftSize;
  await context.close();
  return frequencies.map((hz) => {
    const at = Math.round(hz / width);
    const level = Math.max(...bins.slice(at - 3, at + 4));
    return Number.isFinite(level) ? level : -200;
  });
}`;

/** The level (dB) of each frequency in what the page plays now. */
export async function heardBy(page: Page, frequencies: number[]): Promise<number[]> {
  return (await page.evaluate(`(${HEARD})(${JSON.stringify(frequencies)})`)) as number[];
}
