import { randomInt } from 'node:crypto';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { TiedProcess } from '../net/tied-process';
import { SimulatedSender, plainSender, toneProducer, tonePipeline } from './venue';

/**
 * A voice without a person: GStreamer plays a tone as Opus RTP into a
 * PlainTransport producer, as an interpreter's browser would send its voice.
 * The demo's simulated interpreter, and the tests' (its tone is its own, so a
 * listener, or an analyser, can tell the channel from the original).
 */
export class SimulatedVoice extends SimulatedSender {
  private constructor(
    readonly producer: types.Producer,
    transports: types.PlainTransport[],
    gst: TiedProcess,
    onStopped: (() => void) | undefined,
  ) {
    super(transports, gst, onStopped);
  }

  static async start(options: { router: types.Router; toneHz: number; logger: Logger; onStopped?: () => void }): Promise<SimulatedVoice> {
    const transports: types.PlainTransport[] = [];
    try {
      const sender = await plainSender(options.router, transports);
      const ssrc = randomInt(1, 2 ** 31);
      const producer = await toneProducer(sender, ssrc, { simulated: true, voice: options.toneHz });
      const gst = new TiedProcess('gst-launch-1.0', ['-q', 'rtpbin', 'name=rtp', ...tonePipeline(sender, ssrc, options.toneHz, 0)], { logger: options.logger, stopSignal: 'SIGTERM' });
      return new SimulatedVoice(producer, transports, gst, options.onStopped);
    } catch (error) {
      for (const transport of transports) transport.close();
      throw error;
    }
  }

  /** What it publishes: its tone, as a voice. */
  get producers(): types.Producer[] {
    return [this.producer];
  }
}
