import type { types } from 'mediasoup';
import { findFreeUdpPortPair } from '../net/ports';
import { plainRtpCapabilities } from '../selftest/loopback';

export const LOOPBACK = '127.0.0.1';

/** One stream into the broadcast encoder: a paused consumer sent over RTP to a port on loopback. */
export interface Input {
  transport: types.PlainTransport;
  consumer: types.Consumer;
  port: number;
}

/** A paused consumer of a producer, sent over RTP to a port on loopback where the encoder will listen. */
export async function plainInput(router: types.Router, producer: types.Producer): Promise<Input> {
  const port = await findFreeUdpPortPair(LOOPBACK);
  const transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: LOOPBACK }, rtcpMux: false, comedia: false });
  try {
    await transport.connect({ ip: LOOPBACK, port, rtcpPort: port + 1 });
    const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities: plainRtpCapabilities(router.rtpCapabilities), paused: true });
    return { transport, consumer, port };
  } catch (error) {
    transport.close();
    throw error;
  }
}

/** An SDP that tells ffmpeg where each program stream arrives. */
export function programSdp(inputs: Input[]): string {
  const lines = ['v=0', `o=- 0 0 IN IP4 ${LOOPBACK}`, 's=plenary-program', `c=IN IP4 ${LOOPBACK}`, 't=0 0'];
  for (const { consumer, port } of inputs) {
    const codec = consumer.rtpParameters.codecs[0];
    const name = consumer.kind === 'video' ? 'VP8/90000' : 'opus/48000/2';
    lines.push(`m=${consumer.kind} ${port} RTP/AVP ${codec?.payloadType}`, `a=rtcp:${port + 1}`, `a=rtpmap:${codec?.payloadType} ${name}`, 'a=recvonly');
  }
  return `${lines.join('\n')}\n`;
}
