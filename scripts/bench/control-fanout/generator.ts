// A load generator for the control-fanout benchmark, run as a child process
// (niced by the driver). It holds many control-channel clients on raw
// WebSockets speaking the socket.io protocol, which costs far less per message
// than socket.io-client, so the generator skews the measurement as little as
// it can. It records when each floor change arrives and reports to the driver.
import WebSocket from 'ws';
import { now, sleep } from '../lib/stats';

interface Start {
  type: 'start';
  /** One entry per client: which server and which join link token. */
  clients: { url: string; token: string }[];
}
type FromDriver = Start | { type: 'report' } | { type: 'stop' };

const sockets = new Set<WebSocket>();
/** Arrival times per state version of floorGiven events. */
const arrivals = new Map<number, number[]>();
let drops = 0;
let reconnects = 0;
let stopping = false;

function send(message: unknown) {
  process.send?.(message);
}

function open(url: string, token: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`);
    let connected = false;
    ws.on('message', (raw) => {
      const data = raw.toString();
      if (data === '2') return ws.send('3'); // engine.io ping -> pong
      if (data.startsWith('0{')) return ws.send(`40${JSON.stringify({ token })}`); // open -> socket.io CONNECT with auth
      if (data.startsWith('40')) {
        connected = true;
        sockets.add(ws);
        return resolve(ws);
      }
      if (data.startsWith('44')) {
        ws.close();
        return reject(new Error(`refused: ${data}`));
      }
      if (data.startsWith('42["event"')) {
        const at = now();
        const [, event] = JSON.parse(data.slice(2)) as [string, { version: number; event: { type: string } }];
        if (event.event.type !== 'floorGiven') return;
        let list = arrivals.get(event.version);
        if (!list) arrivals.set(event.version, (list = []));
        list.push(at);
      }
    });
    ws.on('error', (error) => (connected ? undefined : reject(error)));
    ws.on('close', () => {
      sockets.delete(ws);
      // Closed before it was connected (the server dropped a starved handshake): a failed attempt.
      if (!connected) return reject(new Error('closed before connecting'));
      if (stopping) return;
      drops++;
      void connect(url, token, true).then(() => reconnects++);
    });
  });
}

/**
 * Connects a client, trying until it is in (a starved handshake can be dropped). Waits as
 * socket.io-client does before each reconnection: 1 s doubling up to 5 s, +-50% at random,
 * so that 500 clients dropped at once do not all come back in the same instant.
 */
async function connect(url: string, token: string, reconnecting: boolean): Promise<void> {
  for (let attempt = 0; !stopping; attempt++) {
    if (reconnecting || attempt > 0) await sleep(Math.min(5000, 1000 * 2 ** attempt) * (0.5 + Math.random()));
    try {
      await open(url, token);
      return;
    } catch {
      // the server is busy or refuses for now; try again
    }
  }
}

process.on('message', async (message: FromDriver) => {
  if (message.type === 'start') {
    // Connect in batches so the server is not flooded with handshakes at once.
    for (let i = 0; i < message.clients.length; i += 100) {
      const batch = message.clients.slice(i, i + 100);
      await Promise.all(batch.map((c) => connect(c.url, c.token, false)));
      await sleep(20);
    }
    send({ type: 'ready', clients: sockets.size });
  } else if (message.type === 'report') {
    send({ type: 'report', arrivals: Object.fromEntries(arrivals), drops, reconnects });
  } else if (message.type === 'stop') {
    stopping = true;
    for (const ws of sockets) ws.terminate();
    process.exit(0);
  }
});
