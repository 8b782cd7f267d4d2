import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { DemoInChromium } from '../test/browser';
import { eventually } from '../test/harness';

/** The watch page's picture as drawn now: its corner and top-left colours, and the player's state. */
const PICTURE = `(() => {
  const video = document.querySelector('#broadcast');
  if (!video) return { state: 'no video element' };
  const state = 'readyState ' + video.readyState + ', paused ' + video.paused + ', at ' + video.currentTime.toFixed(2) + ' s, ' + video.videoWidth + 'x' + video.videoHeight;
  if (video.videoWidth === 0) return { state };
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  const context = canvas.getContext('2d');
  context.drawImage(video, 0, 0);
  const at = (x, y) => Array.from(context.getImageData(Math.round(x), Math.round(y), 1, 1).data.slice(0, 3));
  // Inside the corner (the right quarter, 2.5 % in), above the main picture's clock drawn at its bottom right.
  return { state, corner: at(video.videoWidth * 0.75, video.videoHeight * 0.73), topLeft: at(30, 30) };
})()`;
type Picture = { state: string; corner?: number[]; topLeft?: number[] };
const red = ([r = 0, g = 0]: number[] = []) => r > 150 && g < 100; // the demo's Jilin City
const yellow = ([r = 0, g = 0, b = 0]: number[] = []) => r > 150 && g > 150 && b < 100; // its main venue

/**
 * Waits until the watch page's picture is as `wanted`. On a timeout it says what the page
 * showed last (the player's state, the colours, the page's text) and leaves a screenshot.
 */
async function waitForPicture(watch: Page, what: string, wanted: (picture: Picture) => boolean, timeoutMs = 45_000): Promise<Picture> {
  let last: Picture | undefined;
  try {
    return await eventually(async () => {
      last = (await watch.evaluate(PICTURE)) as Picture;
      return wanted(last) ? last : undefined;
    }, timeoutMs);
  } catch {
    const screenshot = join(tmpdir(), `plenary-sign-language-${Date.now()}.png`);
    await watch.screenshot({ path: screenshot }).catch(() => undefined);
    const text = (await watch.locator('body').innerText().catch(() => '')).replace(/\s+/g, ' ').slice(0, 300);
    throw new Error(`${what}: not seen within ${timeoutMs} ms; last seen ${JSON.stringify(last)}; page says "${text}"; screenshot ${screenshot}`);
  }
}

describe('the sign-language picture in real browsers: chosen in the console, in the corner of the watch page', () => {
  let demo: DemoInChromium;
  beforeAll(async () => {
    demo = await DemoInChromium.start();
  });
  afterAll(() => demo?.close());

  it('shows Jilin City in the corner over the main venue, and takes it out', async () => {
    const watch = await demo.open('/watch/demo');
    await waitForPicture(watch, 'the main venue, corner included', (now) => yellow(now.corner) && yellow(now.topLeft));

    const host = await demo.open(`/host/demo#key=${DemoInChromium.hostSecret(demo.plenary)}`);
    const choice = host.getByTestId('sign-language');
    await choice.waitFor({ timeout: 20_000 });
    await choice.selectOption({ label: 'Jilin City' });
    // The player follows the restarted encoder by itself: the corner turns red, the rest stays the speaker's.
    const on = await waitForPicture(watch, 'Jilin City in the corner', (now) => red(now.corner));
    expect(yellow(on.topLeft)).toBe(true);

    await choice.selectOption({ label: 'Off' });
    await waitForPicture(watch, 'the corner back to the main venue', (now) => yellow(now.corner));
    expect(demo.violations).toEqual([]);
  });
});
