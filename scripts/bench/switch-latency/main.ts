// Benchmark: switch latency. From the presider's "give floor" (Socket.io
// command sent) to the first program frame from the new speaker (the first
// keyframe packet seen by a consumer of the program), over 20 floor changes
// between 4 simulated venues that answer keyframe requests (GStreamer).
// Shown separately: the command path (command sent -> switch requested in the
// media plane) and the keyframe wait (switch requested -> cut). Baseline in the
// same run: a bare keyframe round trip (PLI to a venue -> its keyframe back)
// with no control plane and no switcher.
//
//   npm run bench:switch-latency     (SWITCHES=n to change the count)
import pino from 'pino';
import { io as connectClient } from 'socket.io-client';
import { loadConfig } from '../../../server/src/app/config';
import { startPlenary } from '../../../server/src/app/plenary';
import { parseVp8 } from '../../../sfu/src/rtp/packet';
import type { Cut } from '../../../sfu/src/program/track';
import { machine } from '../lib/machine';
import { runBenchmark, writeResults } from '../lib/output';
import { sleep, summarise } from '../lib/stats';

const SWITCHES = Number(process.env.SWITCHES ?? 20);

async function main() {
  const config = loadConfig({ HOST: '127.0.0.1', PORT: '0', RTC_PORT: '0', MEDIASOUP_WORKERS: '1', DEMO_SIMULATED_VENUES: '3', BROADCAST_LADDER: 'off', PLENARY_ADMIN_KEY: 'bench-admin-key-0123456789' });
  const plenary = await startPlenary(config, pino({ level: 'warn' }), { demo: true });
  try {
    const room = await plenary.media.room('demo');
    const cuts: Cut[] = [];
    room.switcher.on('cut', (cut) => cuts.push(cut));

    // A consumer of the program, as the broadcast egress or a venue would hold it.
    const observer = await room.router.createDirectTransport();
    const caps = { codecs: room.router.rtpCapabilities.codecs, headerExtensions: [] };
    const programConsumer = await observer.consume({ producerId: room.switcher.videoProducer.id, rtpCapabilities: caps });
    const keyframesAt: number[] = [];
    programConsumer.on('rtp', (packet) => {
      if (parseVp8(packet)?.keyframeStart) keyframesAt.push(Date.now());
    });

    const hostSecret = new URL(plenary.demo?.hostUrl ?? '').hash.replace('#key=', '');
    const presider = connectClient(plenary.url, { auth: { conferenceId: 'demo', hostSecret }, transports: ['websocket'], forceNew: true });
    await new Promise<void>((resolve) => presider.once('connect', () => resolve()));
    await sleep(2000);

    const venues = ['sv-1', 'sv-2', 'sv-3', 'main'];
    const total: number[] = [];
    const commandPath: number[] = [];
    const keyframeWait: number[] = [];
    for (let i = 0; i < SWITCHES; i++) {
      const venueId = venues[i % venues.length] as string;
      const sent = Date.now();
      const answer = (await presider.timeout(5000).emitWithAck('command', { id: `switch-${sent}-${i}`, command: { type: 'giveFloor', venueId } })) as { ok: boolean };
      if (!answer.ok) throw new Error(`giveFloor ${venueId} refused: ${JSON.stringify(answer)}`);
      // Wait for the cut and for the program consumer to see the new speaker's keyframe.
      const deadline = Date.now() + 5000;
      let cut: Cut | undefined;
      let frame: number | undefined;
      while (Date.now() < deadline) {
        cut = cuts.find((c) => c.kind === 'video' && c.venueId === venueId && c.requestedAt >= sent);
        frame = cut && keyframesAt.find((at) => at >= cut!.cutAt);
        if (frame !== undefined) break;
        await sleep(2);
      }
      if (!cut || frame === undefined) throw new Error(`no cut to ${venueId} within 5 s`);
      total.push(frame - sent);
      commandPath.push(cut.requestedAt - sent);
      keyframeWait.push(cut.cutAt - cut.requestedAt);
      await sleep(1000);
    }
    presider.close();

    // Baseline: the bare keyframe round trip to a venue, no control plane, no switcher.
    const baseline: number[] = [];
    const venueCamera = room.producerOf('sv-1', 'video');
    if (venueCamera) {
      const sourceConsumer = await observer.consume({ producerId: venueCamera.id, rtpCapabilities: caps, paused: true });
      let asked = 0;
      sourceConsumer.on('rtp', (packet) => {
        if (asked && parseVp8(packet)?.keyframeStart) {
          baseline.push(Date.now() - asked);
          asked = 0;
        }
      });
      await sourceConsumer.resume();
      await sleep(500);
      for (let i = 0; i < SWITCHES; i++) {
        asked = Date.now();
        await sourceConsumer.requestKeyFrame();
        await sleep(500);
      }
    }

    const result = {
      machine: machine(),
      switches: SWITCHES,
      venues: 'GStreamer simulated venues (VP8, 640x360, answer PLI), 1 mediasoup worker',
      totalMs: summarise(total),
      commandPathMs: summarise(commandPath),
      keyframeWaitMs: summarise(keyframeWait),
      baselineKeyframeRoundTripMs: summarise(baseline),
      p95VsBaseline: Math.round((summarise(total).p95 / summarise(baseline).p95) * 100) / 100,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    writeResults('switch-latency', result);
  } finally {
    await plenary.close();
  }
}

runBenchmark(main);
