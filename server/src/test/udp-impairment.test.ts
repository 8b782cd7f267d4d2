import { createSocket } from 'node:dgram';
import { eventually } from './harness';
import { UdpImpairment } from './udp-impairment';

/** A UDP echo server on loopback, counting what reached it. */
async function echo() {
  const socket = createSocket('udp4');
  const counted = { received: 0 };
  socket.on('message', (bytes, from) => {
    counted.received++;
    socket.send(bytes, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, counted, close: () => new Promise<void>((resolve) => socket.close(() => resolve())) };
}

describe('the UDP impairment relay (user space: no netem here)', () => {
  it('drops about the share asked, each way, delays what it passes, and answers go back to their sender', async () => {
    const server = await echo();
    const relay = await UdpImpairment.start({ host: '127.0.0.1', port: server.port }, { loss: 0.1, delayMs: 40 });
    const client = createSocket('udp4');
    let answers = 0;
    client.on('message', () => answers++);
    await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve));
    const sentAt = performance.now();
    let firstAnswer: number | undefined;
    client.once('message', () => (firstAnswer = performance.now()));
    try {
      // In batches: a burst of thousands overflows loopback's socket buffers before the relay sees it.
      for (let batch = 0; batch < 40; batch++) {
        for (let i = 0; i < 50; i++) client.send(Buffer.alloc(100, i), relay.port, '127.0.0.1');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await eventually(() => relay.up.sent + relay.up.dropped === 2000 && relay.down.sent + relay.down.dropped === server.counted.received && answers === relay.down.sent, 20_000);
    // 10 % of 2000 is 200 (binomial: 7 standard deviations inside these bounds).
    expect(relay.up.dropped).toBeGreaterThan(100);
    expect(relay.up.dropped).toBeLessThan(300);
    expect(server.counted.received).toBe(relay.up.sent);
    expect(relay.down.dropped / server.counted.received).toBeGreaterThan(0.05);
    // Out and back: at least twice the one-way delay (a slow machine only adds to it).
      expect((firstAnswer ?? 0) - sentAt).toBeGreaterThanOrEqual(80);
    } finally {
      client.close();
      await relay.close();
      await server.close();
    }
  });

  it('caps the bandwidth: what does not fit in 200 ms of queue is dropped', async () => {
    const server = await echo();
    // 80 kbit/s: 200 ms of queue holds 2 KB, i.e. 20 packets of 100 bytes.
    const relay = await UdpImpairment.start({ host: '127.0.0.1', port: server.port }, { kbps: 80 });
    const client = createSocket('udp4');
    await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve));
    for (let i = 0; i < 200; i++) client.send(Buffer.alloc(100), relay.port, '127.0.0.1');
    await eventually(() => relay.up.sent + relay.up.dropped === 200, 20_000);
    expect(relay.up.sent).toBeGreaterThanOrEqual(20);
    expect(relay.up.sent).toBeLessThan(60);
    client.close();
    await relay.close();
    await server.close();
  });
});
