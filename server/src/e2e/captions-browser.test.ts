import { DemoInChromium } from '../test/browser';
import { rawEmit } from '../test/control-client';
import { eventually } from '../test/harness';

/** What the watch page's <video> shows as captions now: the showing track's cues, as text and as the HTML they render to. */
const SHOWN_CUES = `() => {
  const video = document.querySelector('#broadcast');
  const tracks = video ? [...video.textTracks].filter((track) => track.mode === 'showing') : [];
  return tracks.flatMap((track) => [...(track.cues ?? [])].map((cue) => {
    const html = cue.getCueAsHTML();
    return { language: track.language, text: html.textContent, elements: html.querySelectorAll('*').length };
  }));
}`;
type Shown = { language: string; text: string; elements: number }[];

describe('live captions in real browsers: typed on the captioner page, shown on the watch page', () => {
  let demo: DemoInChromium;
  beforeAll(async () => {
    demo = await DemoInChromium.start();
    expect(await demo.presider.command({ type: 'addCaptionChannel', language: 'ko', name: '한국어 자막' })).toMatchObject({ ok: true });
  });
  afterAll(() => demo?.close());
  const open = (path: string) => demo.open(path);

  it('shows the typed line, in the captions the viewer chose, as text', async () => {
    const watch = await open('/watch/demo');
    // The captions menu lists the channel; off until the viewer turns it on.
    const menu = watch.getByTestId('captions-menu');
    await menu.waitFor({ timeout: 45_000 });
    // (The demo's own simulated captioner types in Chinese and English.)
    expect(await menu.locator('option').allTextContents()).toEqual(['Off', '中文', 'English', '한국어 자막']);
    expect(await watch.evaluate(`(${SHOWN_CUES})()`)).toEqual([]);
    await menu.selectOption({ label: '한국어 자막' });

    const link = (await rawEmit(demo.presider, 'captionerLink', { channelId: 'cc-ko' })) as { data: { url: string } };
    const captioner = await open(new URL(link.data.url).pathname);
    await captioner.getByRole('heading', { name: /한국어 자막/ }).waitFor();
    const box = captioner.getByTestId('caption-line');
    await box.fill('各位代表，上午好');
    await box.press('Enter');
    // The next line is typed at once, key by key, while the first one's answer comes back: the
    // answer must not wipe what is being typed (it did, under load).
    await box.pressSequentially('<script>window.pwned = 1</script> & <b>bold</b>', { delay: 20 });
    await box.press('Enter');
    await eventually(async () => (await captioner.getByTestId('sent-lines').locator('li').count()) === 2, 10_000);

    const shown = await eventually(async () => {
      const cues = (await watch.evaluate(`(${SHOWN_CUES})()`)) as Shown;
      return cues.some((cue) => cue.text === '各位代表，上午好') && cues.some((cue) => cue.text.includes('script')) ? cues : undefined;
    }, 30_000);
    expect(shown.every((cue) => cue.language === 'ko')).toBe(true);
    // Each line once, though every part it overlaps carries it (a map per part showed it twice).
    expect(shown.filter((cue) => cue.text === '各位代表，上午好')).toHaveLength(1);
    // Markup in a line is shown as its characters: no element, nothing run.
    const markup = shown.find((cue) => cue.text.includes('script'));
    expect(markup).toEqual({ language: 'ko', text: '<script>window.pwned = 1</script> & <b>bold</b>', elements: 0 });
    expect(await watch.evaluate(() => (globalThis as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(demo.violations).toEqual([]);
  });
});
