// Benchmark: a sub-venue on a lossy link, on air (issue 18, part 3). A Chromium venue (fake
// camera, simulcast) joins the demo conference through TURN over UDP, forced to relay, and a
// user-space impairment relay in a process of its own sits between it and coturn (the kernel here
// has no netem): everything the venue sends and receives crosses the bad link, nothing else does.
// The presider gives it the floor. For each phase (a link setting held for a while), measured:
// - what the presider's tile shows: the SFU's loss and round trip for the venue's video and
//   mediasoup's 0-10 score (media:stats, as the console polls it);
// - what the venue's browser does about it: NACKs answered with retransmissions, keyframe
//   requests, frames encoded per simulcast layer, and what limits its quality;
// - what a viewer of the broadcast sees (hls.js in Chromium, on a clean path): freezes, the
//   stretches in which the picture did not move, longer than 0.5 s (the goal at 2 %
//   loss: none), the moving pictures per second, and the player's stalls.
// The first phase (a clean link, no delay) is the baseline of the same run.
//
//   npm run bench:lossy-link   LOSSY_PHASES='0/0,0/100,2/100,5/100' the phases, each
//                              loss/delay[/kbps]: loss in percent and delay in ms, each way (100 ms
//                              each way is 200 ms more round trip), and a cap on the link's
//                              bandwidth each way (none by default); LOSSY_PHASE_SECONDS=60
import { DemoInChromium, TestBrowser, sessionProbe } from '../../../server/src/test/browser';
import { ControlClient, rawEmit } from '../../../server/src/test/control-client';
import { eventually, joinToken, startTestPlenary } from '../../../server/src/test/harness';
import { TestTurnServer } from '../../../server/src/test/turn-server';
import { healthOfStream, type SentLayer, type VenueMediaStats } from '@plenary/shared';
import { machine } from '../lib/machine';
import { behindRealTime } from '../lib/hls';
import { runBenchmark, writeResults } from '../lib/output';
import { sleep, summarise } from '../lib/stats';
import { MOVED_LEVELS, freezes } from './frames';
import { LinkRelay, type RelayCounters } from './relay';

const PHASES = (process.env.LOSSY_PHASES ?? '0/0,0/100,2/100,5/100').split(',').map((phase) => {
  const [loss, delay, kbps] = phase.split('/').map(Number);
  return { lossPercent: loss ?? 0, delayMs: delay ?? 0, kbps: kbps ?? 0 };
});
const PHASE_MS = Number(process.env.LOSSY_PHASE_SECONDS ?? 60) * 1000;
/** Time for the link's new setting to show in the statistics (RTCP every second or so) before a phase counts. */
const SETTLE_MS = 10_000;
const FREEZE_MS = 500;
const VENUE = 'sv-2';

/** The per-layer counters' change over a phase: what the browser did in it. */
function layersOver(before: SentLayer[], after: SentLayer[], seconds: number) {
  return after.map((layer) => {
    const was = before.find((b) => b.rid === layer.rid);
    const delta = (key: 'framesEncoded' | 'bytesSent' | 'nackCount' | 'retransmittedPacketsSent' | 'pliCount') => layer[key] - (was?.[key] ?? 0);
    return {
      rid: layer.rid,
      height: layer.frameHeight,
      framesPerSecond: Math.round((delta('framesEncoded') / seconds) * 10) / 10,
      kbps: Math.round((delta('bytesSent') * 8) / seconds / 1000),
      nacks: delta('nackCount'),
      retransmitted: delta('retransmittedPacketsSent'),
      keyframeRequests: delta('pliCount'),
      limitedBy: layer.qualityLimitationReason,
    };
  });
}

const linkOver = (before: RelayCounters, after: RelayCounters) => {
  const sent = after.up.sent - before.up.sent;
  const dropped = after.up.dropped - before.up.dropped;
  return { upPackets: sent + dropped, upLostPercent: Math.round((dropped / Math.max(1, sent + dropped)) * 1000) / 10 };
};

async function main() {
  const ladder = process.env.BROADCAST_LADDER ?? '360p';
  const turn = await TestTurnServer.start();
  const relay = await LinkRelay.start({ host: '127.0.0.1', port: turn.port });
  // Loopback throughout (the SFU announces 127.0.0.1: the only address coturn relays to).
  const plenary = await startTestPlenary({
    DEMO_SIMULATED_VENUES: '1', BROADCAST_LADDER: ladder, TURN_URLS: `turn:127.0.0.1:${relay.port}?transport=udp`, TURN_SECRET: turn.secret,
  }, { demo: true });
  const browser = await TestBrowser.start();
  const presider = await ControlClient.connect(plenary.url, { conferenceId: 'demo', hostSecret: DemoInChromium.hostSecret(plenary) });
  const phases = [];
  try {
    const venueTab = await browser.newTab('?ice=relay');
    const venue = sessionProbe(venueTab);
    await venue.join(plenary.url, await joinToken(plenary.url, 'demo', VENUE));
    const viewerTab = await browser.newTab();
    const viewer = sessionProbe(viewerTab);
    await viewer.watch(`${plenary.url}/hls/demo/master.m3u8`);
    const venueName = presider.state.venues[VENUE]?.name;
    const given = await presider.command({ type: 'giveFloor', venueId: VENUE });
    if (!given.ok) throw new Error(`giveFloor: ${given.error.code}`);
    await eventually(async () => (await viewer.state()).speaker === venueName, 60_000).catch(async (error: Error) => {
      throw new Error(`${error.message}: the broadcast did not show ${venueName} on air; the player: ${JSON.stringify(await viewer.state())}; the venue sends ${JSON.stringify(await venue.sent())} by ${JSON.stringify(await venue.paths())}; the SFU gets ${JSON.stringify(await rawEmit(presider, 'media:stats'))}; floor ${JSON.stringify(presider.state.floor)}`);
    });
    await viewer.trackPictureMoves(MOVED_LEVELS);
    // How far the newest packaged media of each rendition trails real time: the origin's side of a stall.
    const renditions = (await plenary.media.room('demo')).broadcast?.renditions ?? [];
    const encoderLag = () => renditions.map(({ hls }) => [hls.name, behindRealTime(hls)] as const);
    const paths = await venue.paths();
    if (paths.send?.candidateType !== 'relay') throw new Error(`the venue's media does not cross the relay: ${JSON.stringify(paths)}`);

    for (const [index, { lossPercent, delayMs, kbps }] of PHASES.entries()) {
      const link = { loss: lossPercent / 100, delayMs, kbps };
      await relay.set(link);
      await sleep(SETTLE_MS);
      const relayBefore = await relay.set(link);
      const sentBefore = await venue.sent();
      const playerBefore = await viewer.state();
      const start = (await viewer.takePictureMoves()).now;
      const tile = { lossPercent: [] as number[], roundTripMs: [] as number[], score: [] as number[], kbps: [] as number[] };
      const behindLiveMs: number[] = [];
      const lagMs = new Map<string, number[]>();
      const stallsAtSeconds: number[] = [];
      const phaseStart = Date.now();
      const deadline = phaseStart + PHASE_MS;
      let stalls = playerBefore.stalls;
      while (Date.now() < deadline) {
        const player = await viewer.state();
        if (player.behindMs !== undefined) behindLiveMs.push(player.behindMs);
        if (player.stalls > stalls) stallsAtSeconds.push(Math.round((Date.now() - phaseStart) / 1000));
        stalls = player.stalls;
        for (const [name, lag] of encoderLag()) if (lag !== undefined) lagMs.set(name, lagMs.get(name)?.concat(lag) ?? [lag]);
        const answer = (await rawEmit(presider, 'media:stats')) as { ok: boolean; data?: VenueMediaStats[] };
        const video = answer.data?.find((s) => s.venueId === VENUE && s.kind === 'video');
        const health = healthOfStream(video);
        if (video && health) {
          tile.lossPercent.push(health.lossPercent);
          if (health.roundTripMs !== undefined) tile.roundTripMs.push(health.roundTripMs);
          tile.score.push(video.score);
          tile.kbps.push(video.bitrate / 1000);
        }
        await sleep(1000);
      }
      const seen = await viewer.takePictureMoves();
      if (process.env.LOSSY_SCREENSHOTS) await viewerTab.screenshot({ path: `${process.env.LOSSY_SCREENSHOTS}/phase-${index}.png` });
      const playerAfter = await viewer.state();
      const phase = {
        link: { lossPercent, delayMsEachWay: delayMs, capKbps: kbps || undefined, ...linkOver(relayBefore, await relay.set(link)) },
        presiderTile: { lossPercent: summarise(tile.lossPercent), roundTripMs: summarise(tile.roundTripMs), score: summarise(tile.score), kbps: summarise(tile.kbps) },
        venueSends: layersOver(sentBefore, await venue.sent(), PHASE_MS / 1000),
        broadcast: {
          ...freezes(start, seen, FREEZE_MS),
          stalls: playerAfter.stalls - playerBefore.stalls,
          stallsAtSeconds,
          behindLiveMs: summarise(behindLiveMs),
          encoderLagMs: Object.fromEntries([...lagMs].map(([name, samples]) => [name, summarise(samples)])),
          fatalErrors: playerAfter.fatalErrors - playerBefore.fatalErrors,
          speaker: playerAfter.speaker,
        },
      };
      phases.push(phase);
      process.stdout.write(`${JSON.stringify(phase)}\n`);
    }
  } finally {
    presider.close();
    await browser.close();
    await plenary.close();
    await relay.stop();
    await turn.close();
  }
  const summary = { machine: machine(), ladder, phaseSeconds: PHASE_MS / 1000, freezeLongerThanMs: FREEZE_MS, phases };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  // Other phases than the default's are a run of their own: lossy-link-5-100-5-100.json.
  writeResults(process.env.LOSSY_PHASES ? `lossy-link-${process.env.LOSSY_PHASES.replace(/[^0-9.]+/g, '-')}` : 'lossy-link', summary);
}

runBenchmark(main);
