import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import { routerMediaCodecs } from '../codecs';
import type { MediaWorker, WorkerPool } from '../workers/pool';

/** A router of the conference and the worker it runs on. */
export interface Edge {
  worker: MediaWorker;
  router: types.Router;
}

interface RouterSetEvents {
  /** The primary router closed without being asked (its worker died): the program went with it. */
  lost: [];
  /** A venue router closed without being asked (its worker died): these venues lost their media, the program did not. */
  edgeLost: [venueIds: string[]];
}

/**
 * The routers of one conference, one per worker it uses: the primary (where the
 * program switcher lives) and, when venues are placed on other workers, one
 * there too. Producers are brought to whichever router needs them with
 * pipeToRouter (once per producer and router pair), so a conference can use
 * every core while the program is still one switcher.
 */
export class RouterSet extends EventEmitter<RouterSetEvents> {
  private readonly edges = new Map<number, Promise<Edge>>();
  private readonly placements = new Map<string, number>();
  /** Pipe producers by target router and producer, with the router their source lives on. */
  private readonly pipes = new Map<string, { from: string; producer: Promise<types.Producer> }>();
  private closed = false;

  private constructor(
    private readonly pool: WorkerPool,
    readonly primary: Edge,
    private readonly conferenceId: string,
  ) {
    super();
    this.edges.set(primary.worker.index, Promise.resolve(primary));
    this.watch(primary.router, primary.worker.index);
  }

  static async create(pool: WorkerPool, conferenceId: string): Promise<RouterSet> {
    const worker = pool.pick();
    const router = await worker.worker.createRouter({ mediaCodecs: routerMediaCodecs, appData: { conferenceId } });
    return new RouterSet(pool, { worker, router }, conferenceId);
  }

  /** The router a venue's media lives on: chosen round robin across workers on first use, then kept. */
  edgeFor(venueId: string): Promise<Edge> {
    let index = this.placements.get(venueId);
    if (index === undefined) {
      index = this.pickLive().index;
      this.placements.set(venueId, index);
    }
    return this.edgeOn(index);
  }

  /**
   * The pool's next worker that is alive and, when there is another, not the program's: the
   * program switcher and the broadcast live apart from the venues, so a venue's worker dying
   * takes only venues, and the encoder's source is not on a worker venues can overload. A
   * worker that just died closes our routers before the pool hears of it, and venues placed
   * again at that moment must not land on it.
   */
  private pickLive(): MediaWorker {
    const live = this.pool.workers.filter((worker) => !worker.worker.died);
    const apart = live.some((worker) => worker !== this.primary.worker);
    for (let tries = 0; tries <= this.pool.workers.length; tries++) {
      const worker = this.pool.pick();
      if (!worker.worker.died && (!apart || worker !== this.primary.worker)) return worker;
    }
    return this.primary.worker;
  }

  /** How many venues are placed on each worker, by worker index. */
  venuesByWorker(): Map<number, number> {
    const counts = new Map<number, number>();
    for (const index of this.placements.values()) counts.set(index, (counts.get(index) ?? 0) + 1);
    return counts;
  }

  /** Places a venue on a given worker (tests and operators who want to pin venues). */
  place(venueId: string, workerIndex: number): void {
    this.placements.set(venueId, workerIndex);
  }

  /** The producer as it exists on `to`: itself if it lives there, else a pipe producer (same id). */
  bring(producer: types.Producer, from: types.Router, to: types.Router): Promise<types.Producer> {
    if (from === to) return Promise.resolve(producer);
    const key = `${to.id}:${producer.id}`;
    let pipe = this.pipes.get(key)?.producer;
    if (!pipe) {
      pipe = from.pipeToRouter({ producerId: producer.id, router: to }).then(({ pipeProducer }) => {
        if (!pipeProducer) throw new Error('pipeToRouter gave no producer');
        pipeProducer.observer.once('close', () => this.pipes.delete(key));
        return pipeProducer;
      });
      pipe.catch(() => this.pipes.delete(key));
      this.pipes.set(key, { from: from.id, producer: pipe });
    }
    return pipe;
  }

  /** Closes every router. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const edges = await Promise.allSettled(this.edges.values());
    for (const edge of edges) if (edge.status === 'fulfilled') edge.value.router.close();
  }

  private edgeOn(index: number): Promise<Edge> {
    let edge = this.edges.get(index);
    if (!edge) {
      const worker = this.pool.workers.find((w) => w.index === index) ?? this.primary.worker;
      if (worker === this.primary.worker) return Promise.resolve(this.primary);
      edge = worker.worker.createRouter({ mediaCodecs: routerMediaCodecs, appData: { conferenceId: this.conferenceId } }).then((router) => {
        this.watch(router, index as number);
        return { worker, router };
      });
      edge.catch(() => this.edges.delete(index));
      this.edges.set(index, edge);
    }
    return edge;
  }

  private watch(router: types.Router, index: number): void {
    router.observer.once('close', () => {
      if (this.closed) return;
      // The program's worker died: the conference's media goes as a whole.
      if (router === this.primary.router) {
        void this.close().then(() => this.emit('lost'));
        return;
      }
      // A venue worker died: only its venues lose their media. Their producers' pipes into the
      // routers that live on do not learn of it by themselves (nothing arrives any more), so they
      // are closed here: the program falls back, and whoever received those venues is told.
      this.edges.delete(index);
      const lost = [...this.placements].filter(([, at]) => at === index).map(([venueId]) => venueId);
      for (const venueId of lost) this.placements.delete(venueId);
      for (const [key, pipe] of this.pipes) {
        if (pipe.from !== router.id) continue;
        this.pipes.delete(key);
        void pipe.producer.then((producer) => producer.close(), () => undefined);
      }
      this.emit('edgeLost', lost);
    });
  }
}
