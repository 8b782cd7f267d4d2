import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';

/** Binds a UDP socket to the port and releases it; true when it was free. */
function udpFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => resolve(false));
    socket.bind(port, host, () => socket.close(() => resolve(true)));
  });
}

/** Asks the kernel for a free TCP port on host (loopback by default). */
export function freeTcpPort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A port free for both TCP and UDP on `host`, for a WebRtcServer that listens on
 * one port with both protocols. Another process may still take it before we bind;
 * callers retry on EADDRINUSE.
 */
export async function findFreeRtcPort(host: string): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await freeTcpPort(host);
    if (await udpFree(port, host)) return port;
  }
  throw new Error(`no port free for both TCP and UDP on ${host}`);
}

/**
 * An even UDP port whose successor is free too: ffmpeg's RTP input listens on
 * port (RTP) and port + 1 (RTCP).
 */
export async function findFreeUdpPortPair(host: string): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20000 + 2 * Math.floor(Math.random() * 10000);
    if ((await udpFree(port, host)) && (await udpFree(port + 1, host))) return port;
  }
  throw new Error(`no free UDP port pair on ${host}`);
}

/** Resolves once some process has bound the UDP port (it is no longer free). */
export async function waitUntilUdpBound(port: number, host: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (await udpFree(port, host)) {
    if (Date.now() > deadline) throw new Error(`nothing bound UDP ${host}:${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
