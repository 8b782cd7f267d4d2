import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { eventually } from './harness';

export type Rgb = { r: number; g: number; b: number };

/** The mean colour of what a <video> on the page shows, from its decoded pixels (runs in the page). */
const MEAN_COLOUR = `(selector) => {
  const video = document.querySelector(selector);
  if (!video || video.videoWidth === 0) return undefined;
  const canvas = document.createElement('canvas');
  canvas.width = 32;
  canvas.height = 18;
  const context = canvas.getContext('2d');
  context.drawImage(video, 0, 0, 32, 18);
  const data = context.getImageData(0, 0, 32, 18).data;
  const sum = [0, 0, 0];
  for (let i = 0; i < data.length; i += 4) for (let c = 0; c < 3; c++) sum[c] += data[i + c];
  const n = data.length / 4;
  return { r: sum[0] / n, g: sum[1] / n, b: sum[2] / n };
}`;

export function colourOf(page: Page, selector: string): Promise<Rgb | undefined> {
  return page.evaluate(`(${MEAN_COLOUR})(${JSON.stringify(selector)})`) as Promise<Rgb | undefined>;
}

export const near = (colour: Rgb | undefined, want: Rgb) =>
  colour !== undefined && Math.abs(colour.r - want.r) < 45 && Math.abs(colour.g - want.g) < 45 && Math.abs(colour.b - want.b) < 45;

const distance = (a: Rgb, b: Rgb) => Math.hypot(a.r - b.r, a.g - b.g, a.b - b.b);

/**
 * Waits until the video at `selector` shows `want`: near it, or, given the other colours it could
 * show (`among`), nearer to it than to any of them (a browser's camera comes out of its encoder
 * and ours darker than its file); says what it showed instead if it never does.
 */
export async function shows(page: Page, selector: string, want: Rgb, timeoutMs = 30_000, among?: Rgb[]): Promise<Rgb> {
  let last: Rgb | undefined;
  const matches = (seen: Rgb | undefined) => seen !== undefined && (among ? among.every((other) => other === want || distance(seen, want) < distance(seen, other)) : near(seen, want));
  try {
    return await eventually(async () => {
      last = await colourOf(page, selector);
      return matches(last) ? last : undefined;
    }, timeoutMs);
  } catch {
    // Say what the page showed: the colour, the player's state and the page's text.
    const player = await page.evaluate(`(() => { const v = document.querySelector(${JSON.stringify(selector)}); return v ? 'readyState ' + v.readyState + ', paused ' + v.paused + ', at ' + v.currentTime.toFixed(2) + ' s, buffered ' + (v.buffered.length ? v.buffered.end(v.buffered.length - 1).toFixed(2) : 'none') : 'no element'; })()`).catch(() => 'unknown');
    const text = (await page.locator('body').innerText().catch(() => '')).replace(/\s+/g, ' ').slice(0, 300);
    throw new Error(`${selector}: ${JSON.stringify(want)} not seen within ${timeoutMs} ms; last ${JSON.stringify(last)}; player ${player}; page says "${text}"`);
  }
}

/**
 * A solid-colour camera for Chromium's fake capture device (--use-file-for-fake-video-capture).
 * 640x480 by default: what a browser's webcam (and Chromium's own fake camera) gives.
 */
export function cameraFile(dir: string, name: string, { r, g, b }: Rgb, size = '640x480'): string {
  const file = join(dir, `${name}.y4m`);
  const hex = [r, g, b].map((v) => Math.round(v).toString(16).padStart(2, '0')).join('');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `color=c=0x${hex}:s=${size}:r=15`, '-frames:v', '15', '-pix_fmt', 'yuv420p', file]);
  return file;
}

/** A steady tone for Chromium's fake microphone (--use-file-for-fake-audio-capture, which loops it). */
export function toneFile(dir: string, name: string, hz: number): string {
  const file = join(dir, `${name}.wav`);
  // Whole seconds of a whole number of hertz: the loop has no click.
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `sine=frequency=${hz}:sample_rate=48000:duration=2`, '-ac', '1', file]);
  return file;
}

/**
 * Resolves when the page's player has shown a frame of `colour` (nearer to it than to any other
 * venue's) and its caption names `name`: the wall time of each (runs in the page).
 */
const SEES = `({ colour, others, name, timeoutMs }) => new Promise((resolve) => {
  const video = document.querySelector('#broadcast');
  const canvas = document.createElement('canvas');
  canvas.width = 32;
  canvas.height = 18;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  const distance = (a, b) => Math.hypot(a.r - b.r, a.g - b.g, a.b - b.b);
  let pictureAt;
  let captionAt;
  const deadline = Date.now() + timeoutMs;
  const caption = () => (document.querySelector('[data-testid="speaker-caption"]')?.textContent ?? '').includes(name);
  const finish = () => {
    if ((pictureAt && captionAt) || Date.now() > deadline) {
      observer.disconnect();
      resolve({ pictureAt, captionAt });
      return true;
    }
    return false;
  };
  const observer = new MutationObserver(() => {
    if (!captionAt && caption()) captionAt = Date.now();
    finish();
  });
  observer.observe(document.body, { subtree: true, childList: true, characterData: true });
  const frame = () => {
    const at = Date.now();
    if (!pictureAt && video.videoWidth > 0) {
      context.drawImage(video, 0, 0, 32, 18);
      const data = context.getImageData(0, 0, 32, 18).data;
      const mean = { r: 0, g: 0, b: 0 };
      for (let i = 0; i < data.length; i += 4) { mean.r += data[i]; mean.g += data[i + 1]; mean.b += data[i + 2]; }
      const n = data.length / 4;
      const seen = { r: mean.r / n, g: mean.g / n, b: mean.b / n };
      if (others.every((other) => distance(seen, colour) < distance(seen, other))) pictureAt = at;
    }
    if (!captionAt && caption()) captionAt = at;
    if (!finish()) video.requestVideoFrameCallback(frame);
  };
  video.requestVideoFrameCallback(frame);
})`;

/**
 * Starts watching the watch page's player (#broadcast) for a new speaker: resolves with when
 * (wall ms) its picture first showed (nearer to `colour` than to any of `others`) and when its
 * caption first named `name`; either is missing if it did not come within `timeoutMs`.
 */
export function seesSpeaker(page: Page, want: { colour: Rgb; others: Rgb[]; name: string; timeoutMs: number }): Promise<{ pictureAt?: number; captionAt?: number }> {
  return page.evaluate(`(${SEES})(${JSON.stringify(want)})`) as Promise<{ pictureAt?: number; captionAt?: number }>;
}
