import { DemoInChromium } from '../test/browser';
import { eventually } from '../test/harness';

/** The colour of the watch page's picture in its bottom-right corner and at its top left, as drawn now. */
const PIXELS = `(() => {
  const video = document.querySelector('#broadcast');
  if (!video || video.videoWidth === 0) return undefined;
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  const context = canvas.getContext('2d');
  context.drawImage(video, 0, 0);
  const at = (x, y) => Array.from(context.getImageData(Math.round(x), Math.round(y), 1, 1).data.slice(0, 3));
  // Inside the corner (the right quarter, 2.5 % in), above the main picture's clock drawn at its bottom right.
  return { corner: at(video.videoWidth * 0.75, video.videoHeight * 0.73), topLeft: at(30, 30) };
})()`;
type Pixels = { corner: number[]; topLeft: number[] } | undefined;
const red = ([r = 0, g = 0]: number[]) => r > 150 && g < 100; // the demo's Jilin City
const yellow = ([r = 0, g = 0, b = 0]: number[]) => r > 150 && g > 150 && b < 100; // its main venue

describe('the sign-language picture in real browsers: chosen in the console, in the corner of the watch page', () => {
  let demo: DemoInChromium;
  beforeAll(async () => {
    demo = await DemoInChromium.start();
  });
  afterAll(() => demo?.close());

  it('shows Jilin City in the corner over the main venue, and takes it out', async () => {
    const watch = await demo.open('/watch/demo');
    const pixels = () => watch.evaluate(PIXELS) as Promise<Pixels>;
    await eventually(async () => {
      const now = await pixels();
      return now && yellow(now.corner) && yellow(now.topLeft) ? now : undefined;
    }, 45_000);

    const host = await demo.open(`/host/demo#key=${DemoInChromium.hostSecret(demo.plenary)}`);
    const choice = host.getByTestId('sign-language');
    await choice.waitFor({ timeout: 20_000 });
    await choice.selectOption({ label: 'Jilin City' });
    // The player follows the restarted encoder by itself: the corner turns red, the rest stays the speaker's.
    const on = await eventually(async () => {
      const now = await pixels();
      return now && red(now.corner) ? now : undefined;
    }, 45_000);
    expect(yellow(on.topLeft)).toBe(true);

    await choice.selectOption({ label: 'Off' });
    await eventually(async () => {
      const now = await pixels();
      return now && yellow(now.corner) ? now : undefined;
    }, 45_000);
    expect(demo.violations).toEqual([]);
  });
});
