import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { VersionedEvent } from '@plenary/shared';
import type { MediaPlane } from '@plenary/sfu';

/** Who is connected to this process, read when Prometheus scrapes. */
export interface SocketCensus {
  /** One entry per socket: its role and, for venues, `conferenceId/venueId`. */
  sockets(): { role: string; venue: string }[];
}

/**
 * Plenary's Prometheus metrics, one registry per running Plenary (so two in
 * one test process do not mix). Counters count what this process did; sum
 * them over processes.
 */
export class PlenaryMetrics {
  readonly registry = new Registry();
  private readonly floorChanges = new Counter({ name: 'plenary_floor_changes_total', help: 'Floor changes stored by this process', registers: [this.registry] });
  private readonly programSwitches = new Counter({ name: 'plenary_program_switches_total', help: 'Program cuts to another source', labelNames: ['kind'], registers: [this.registry] });
  private readonly switchLatency = new Histogram({
    name: 'plenary_switch_latency_seconds',
    help: 'From the floor change reaching the switcher to the cut on the new speaker\'s keyframe',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2],
    registers: [this.registry],
  });
  private readonly egressRestarts = new Counter({ name: 'plenary_egress_restarts_total', help: 'Broadcast encoders restarted after dying', registers: [this.registry] });
  private readonly outOfStep = new Counter({ name: 'plenary_hls_renditions_out_of_step_total', help: 'Renditions that stopped making parts while the picture went on (the encoder was started again)', labelNames: ['rendition'], registers: [this.registry] });
  private readonly hlsParts = new Counter({ name: 'plenary_hls_parts_total', help: 'LL-HLS parts published', labelNames: ['rendition'], registers: [this.registry] });
  private readonly blocking = new Gauge({ name: 'plenary_hls_blocking_requests', help: 'Blocking playlist or part requests waiting now', registers: [this.registry] });
  private readonly errors = new Counter({ name: 'plenary_errors_total', help: 'Refusals and failures answered, by stable code and surface', labelNames: ['code', 'surface'], registers: [this.registry] });

  constructor(media: MediaPlane, census: SocketCensus) {
    collectDefaultMetrics({ register: this.registry, prefix: 'plenary_' });
    new Gauge({
      name: 'plenary_sockets',
      help: 'Control channel sockets on this process, by role',
      labelNames: ['role'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const { role } of census.sockets()) this.inc({ role });
      },
    });
    new Gauge({
      name: 'plenary_venues_connected',
      help: 'Venues with at least one socket on this process',
      registers: [this.registry],
      collect() {
        // An interpreter's socket is no venue's.
        this.set(new Set(census.sockets().filter((s) => s.role !== 'interpreter').map((s) => s.venue)).size);
      },
    });
    media.on('cut', (_conferenceId, cut) => {
      this.programSwitches.inc({ kind: cut.kind });
      if (cut.kind === 'video') this.switchLatency.observe((cut.cutAt - cut.requestedAt) / 1000);
    });
    media.on('encoderRestart', () => this.egressRestarts.inc());
    media.on('hlsPart', (_conferenceId, rendition) => this.hlsParts.inc({ rendition }));
    media.on('renditionOutOfStep', (_conferenceId, rendition) => this.outOfStep.inc({ rendition }));
  }

  /** Every event this process stored. */
  stored(events: VersionedEvent[]): void {
    for (const { event } of events) if (event.type === 'floorGiven') this.floorChanges.inc();
  }

  /** A control message answered with a refusal or failure. */
  socketError(code: string): void {
    this.errors.inc({ code, surface: 'socket' });
  }

  /** Counts HTTP answers with an error status, by the stable code they carry (the status if they carry none). */
  httpErrors(): RequestHandler {
    return (_req, res, next) => {
      res.on('finish', () => {
        if (res.statusCode < 400) return;
        const code = typeof res.locals.errorCode === 'string' ? res.locals.errorCode : String(res.statusCode);
        this.errors.inc({ code, surface: 'http' });
      });
      next();
    };
  }

  /** Wraps a blocking wait, so the gauge shows how many requests are held. */
  async holding<T>(wait: Promise<T>): Promise<T> {
    this.blocking.inc();
    try {
      return await wait;
    } finally {
      this.blocking.dec();
    }
  }
}
