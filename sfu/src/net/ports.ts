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

/** Binds a TCP listener to the port and releases it; true when it was free. */
function tcpFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** Ports this process handed out already: two callers never get the same one before either binds it. */
const handedOut = new Set<number>();

/**
 * A free TCP port on host (loopback by default) for a server the caller starts
 * next (tests, benchmarks). Taken from 10000-19999, below the kernel's
 * ephemeral range (32768 and up): a port the kernel picked was sometimes picked
 * again, between our check and the server's bind, by a mediasoup worker's
 * WebRTC port (which asks the kernel), and the server failed EADDRINUSE.
 */
export async function freeTcpPort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 10000 + Math.floor(Math.random() * 10000);
    if (handedOut.has(port) || !(await tcpFree(port, host))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free TCP port on ${host} in 10000-19999`);
}

/** A port the kernel picks (its ephemeral range), free for TCP now. */
function kernelTcpPort(host: string): Promise<number> {
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
    const port = await kernelTcpPort(host);
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
