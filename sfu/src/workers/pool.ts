import { EventEmitter } from 'node:events';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { findFreeRtcPort } from '../net/ports';

/** How the pool starts its workers and where their WebRTC servers listen. */
export interface WorkerPoolOptions {
  /** Number of mediasoup workers; one per core is the usual choice. */
  numWorkers: number;
  /** Address the WebRtcServers bind to (127.0.0.1 in tests, 0.0.0.0 in production). */
  listenIp: string;
  /** Address put into ICE candidates; needed when listenIp is 0.0.0.0 or behind NAT. */
  announcedAddress?: string;
  /** Worker i listens on rtcBasePort + i (UDP and TCP); 0 picks free ports. */
  rtcBasePort: number;
  /** Delay before a dead worker is replaced, so a crash loop does not spin a core. */
  respawnDelayMs?: number;
  logger: Logger;
}

/** One worker and the single-port WebRtcServer that all its WebRTC transports share. */
export interface MediaWorker {
  readonly index: number;
  readonly worker: types.Worker;
  readonly webRtcServer: types.WebRtcServer;
  readonly rtcPort: number;
}

/** What /healthz reports for each worker. */
export interface WorkerStatus {
  index: number;
  pid: number;
  rtcPort: number;
}

interface PoolEvents {
  /** A worker died and was replaced; its routers are gone and must be re-created. */
  workerrespawned: [replacement: MediaWorker, diedPid: number];
}

/**
 * The mediasoup workers of this process. Owns them: creates them, replaces any
 * that die (after respawnDelayMs), and closes them all on close().
 */
export class WorkerPool extends EventEmitter<PoolEvents> {
  private readonly slots: (MediaWorker | undefined)[];
  private readonly respawnTimers = new Set<NodeJS.Timeout>();
  private nextPick = 0;
  private closed = false;
  private closing: Promise<void> | undefined;

  private constructor(private readonly options: WorkerPoolOptions) {
    super();
    this.slots = new Array<MediaWorker | undefined>(options.numWorkers).fill(undefined);
  }

  /** Starts every worker; rejects (and closes what started) if one fails. */
  static async create(options: WorkerPoolOptions): Promise<WorkerPool> {
    if (!Number.isInteger(options.numWorkers) || options.numWorkers < 1) {
      throw new TypeError(`numWorkers must be a positive integer, got ${options.numWorkers}`);
    }
    const pool = new WorkerPool(options);
    try {
      for (let index = 0; index < options.numWorkers; index++) {
        pool.slots[index] = await pool.startWorker(index);
      }
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  /** The mediasoup version the workers run. */
  get version(): string {
    return mediasoup.version;
  }

  /** The live workers, in slot order (a slot is empty while its worker respawns). */
  get workers(): MediaWorker[] {
    return this.slots.filter((slot): slot is MediaWorker => slot !== undefined);
  }

  /** Round-robin choice of a live worker for a new router. */
  pick(): MediaWorker {
    const live = this.workers;
    if (this.closed || live.length === 0) throw new Error('no mediasoup worker is available');
    const chosen = live[this.nextPick % live.length] as MediaWorker;
    this.nextPick++;
    return chosen;
  }

  status(): WorkerStatus[] {
    return this.workers.map(({ index, worker, rtcPort }) => ({ index, pid: worker.pid, rtcPort }));
  }

  /**
   * Closes every worker, cancels pending respawns, and resolves once the worker
   * processes have exited. Idempotent.
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closed = true;
    for (const timer of this.respawnTimers) clearTimeout(timer);
    this.respawnTimers.clear();
    const exits = this.workers.map(({ worker }) => processExit(worker));
    for (const slot of this.workers) slot.worker.close();
    this.slots.fill(undefined);
    this.closing = Promise.all(exits).then(() => undefined);
    return this.closing;
  }

  private async startWorker(index: number): Promise<MediaWorker> {
    const { listenIp, announcedAddress, rtcBasePort, logger } = this.options;
    const worker = await mediasoup.createWorker({ logLevel: 'warn' });
    const log = logger.child({ worker: index, pid: worker.pid });
    try {
      const rtcPort = rtcBasePort === 0 ? await findFreeRtcPort(listenIp) : rtcBasePort + index;
      const listen = (protocol: 'udp' | 'tcp'): types.TransportListenInfo => ({
        protocol,
        ip: listenIp,
        port: rtcPort,
        ...(announcedAddress ? { announcedAddress } : {}),
      });
      const webRtcServer = await worker.createWebRtcServer({ listenInfos: [listen('udp'), listen('tcp')] });
      worker.on('died', (error) => this.onDied(index, worker.pid, error));
      log.info({ rtcPort }, 'mediasoup worker started');
      return { index, worker, webRtcServer, rtcPort };
    } catch (error) {
      worker.close();
      throw error;
    }
  }

  private onDied(index: number, pid: number, error: Error): void {
    const log = this.options.logger.child({ worker: index, pid });
    this.slots[index] = undefined;
    if (this.closed) return;
    log.error({ err: error }, 'mediasoup worker died; respawning');
    const timer = setTimeout(() => {
      this.respawnTimers.delete(timer);
      if (this.closed) return;
      this.startWorker(index).then(
        (replacement) => {
          if (this.closed) return replacement.worker.close();
          this.slots[index] = replacement;
          this.emit('workerrespawned', replacement, pid);
        },
        (respawnError: unknown) => {
          log.error({ err: respawnError }, 'respawning the mediasoup worker failed; retrying');
          this.onDied(index, pid, respawnError instanceof Error ? respawnError : new Error(String(respawnError)));
        },
      );
    }, this.options.respawnDelayMs ?? 1000);
    this.respawnTimers.add(timer);
  }
}

/** Resolves when the worker's process has exited (at once if it already has). */
function processExit(worker: types.Worker): Promise<void> {
  if (worker.subprocessClosed) return Promise.resolve();
  return new Promise((resolve) => worker.once('subprocessclose', () => resolve()));
}
