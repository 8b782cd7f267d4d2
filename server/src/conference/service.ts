import type { Logger } from 'pino';
import {
  ErrorCode,
  PlenaryError,
  applyEvent,
  createConference,
  decide,
  fail,
  ok,
  type Ack,
  type Actor,
  type Command,
  type ConferenceEvent,
  type ConferenceState,
  type CreateConference,
  destinationsOf,
  isPrivateDestination,
  maskDestination,
  type SystemCommand,
  type VersionedEvent,
} from '@plenary/shared';
import { newHostSecret } from '../auth/links';
import type { ConferenceRecord, ConferenceStore } from '../store/types';

/** Sends stored events to every client of the conference (all server processes). */
export type Publish = (events: VersionedEvent[]) => void;

/** Attempts before a command gives up when other processes keep winning the version race. */
const MAX_ATTEMPTS = 8;

/** The same address twice would push the broadcast twice to one place (and the platform would refuse the second). */
function refuseDuplicate(record: ConferenceRecord, url: string): void {
  const same = Object.entries(record.destinationUrls ?? {}).find(([id, existing]) => existing === url && record.state.destinations?.[id]);
  if (same) throw new PlenaryError(ErrorCode.CONFLICT, `This destination is already added (${same[0]}: ${maskDestination(url)})`);
}

/** The destinations' whole addresses after a command's events: an added one's kept, a removed one's forgotten. */
function destinationUrlsAfter(record: ConferenceRecord, command: Command | SystemCommand, events: readonly ConferenceEvent[]): Record<string, string> | undefined {
  let urls = record.destinationUrls;
  for (const event of events) {
    if (event.type === 'destinationAdded' && command.type === 'addDestination') urls = { ...urls, [event.destination.id]: command.url };
    if (event.type === 'destinationRemoved') {
      const { [event.destinationId]: _forgotten, ...rest } = urls ?? {};
      urls = rest;
    }
  }
  return urls;
}

/** A stable key for a command's answer: who sent it and their command id. */
function commandKey(actor: Actor, commandId: string): string {
  const who = actor.role === 'operator' ? `op-${actor.venueId}` : actor.role === 'interpreter' ? `interpreter-${actor.channelId}` : actor.role;
  return `${who}:${commandId}`;
}

/**
 * Runs conference commands: load, decide, store (compare-and-set on the
 * version), then publish. Commands of one conference are serialised within this
 * process; across processes the store's version check decides, and the loser
 * retries on the fresh state. An answer is given only after the events are
 * stored, and a retried command id gets the remembered answer.
 */
export class ConferenceService {
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: ConferenceStore,
    private readonly publish: Publish,
    private readonly logger: Logger,
    private readonly clock: () => number = Date.now,
    /** Whether a destination may be on this machine or a private network (tests, a TV station's ingest on the LAN). */
    private readonly options: { privateDestinations?: boolean } = {},
  ) {}

  /** Creates a conference; returns its state and the presider's host secret (shown once). */
  async create(id: string, input: CreateConference, hostSecret = newHostSecret()): Promise<{ state: ConferenceState; hostSecret: string }> {
    const { state } = createConference(id, input, this.clock());
    const created = await this.store.create({ state, hostSecretHash: hostSecret.hash });
    if (!created) throw new PlenaryError(ErrorCode.CONFLICT, `A conference with id "${id}" already exists`);
    this.logger.info({ conferenceId: id, venues: state.venueOrder.length }, 'conference created');
    return { state, hostSecret: hostSecret.secret };
  }

  async get(conferenceId: string): Promise<ConferenceState | undefined> {
    return (await this.store.get(conferenceId))?.state;
  }

  /** The restream destinations with their whole addresses: for the process that pushes the broadcast, nobody else. */
  async destinationSpecs(conferenceId: string): Promise<{ id: string; url: string; allowPrivate: boolean }[]> {
    const record = await this.store.get(conferenceId);
    if (!record) return [];
    const allowPrivate = this.options.privateDestinations ?? false;
    return destinationsOf(record.state).flatMap(({ id }) => {
      const url = record.destinationUrls?.[id];
      return url ? [{ id, url, allowPrivate }] : [];
    });
  }

  async hostSecretHash(conferenceId: string): Promise<string | undefined> {
    return (await this.store.get(conferenceId))?.hostSecretHash;
  }

  /** Runs a client's command (or a system one, with commandId undefined) and answers with the new version. */
  execute(conferenceId: string, actor: Actor, command: Command | SystemCommand, commandId?: string): Promise<Ack<{ version: number }>> {
    const previous = this.queues.get(conferenceId) ?? Promise.resolve();
    const run = previous.then(() => this.executeNow(conferenceId, actor, command, commandId));
    const tail = run.catch(() => undefined);
    this.queues.set(conferenceId, tail);
    void tail.then(() => {
      if (this.queues.get(conferenceId) === tail) this.queues.delete(conferenceId);
    });
    return run;
  }

  private async executeNow(conferenceId: string, actor: Actor, command: Command | SystemCommand, commandId?: string): Promise<Ack<{ version: number }>> {
    const key = commandId ? commandKey(actor, commandId) : `system:${command.type}:${this.clock()}:${Math.random()}`;
    try {
      if (commandId) {
        const remembered = await this.store.answerFor(conferenceId, key);
        if (remembered) return remembered;
      }
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const record = await this.store.get(conferenceId);
        if (!record) throw new PlenaryError(ErrorCode.NOT_FOUND, `There is no conference "${conferenceId}"`);
        if (command.type === 'addDestination') {
          if (!this.options.privateDestinations && isPrivateDestination(command.url)) {
            throw new PlenaryError(ErrorCode.INVALID, 'This server does not stream to its own machine or a private network (RESTREAM_PRIVATE=allow permits it)');
          }
          refuseDuplicate(record, command.url);
        }
        const events = decide(record.state, command, actor, this.clock());
        if (events.length === 0) return ok({ version: record.state.version });

        let state = record.state;
        const versioned = events.map((event) => {
          state = applyEvent(state, event);
          return { conferenceId, version: state.version, event };
        });
        const answer = ok({ version: state.version });
        const stored = await this.store.append({
          conferenceId,
          expectedVersion: record.state.version,
          record: { ...record, state, destinationUrls: destinationUrlsAfter(record, command, events) },
          events: versioned,
          commandKey: key,
          answer,
        });
        if (stored) {
          this.publish(versioned);
          this.logger.debug({ conferenceId, command: command.type, role: actor.role, version: state.version }, 'command applied');
          return answer;
        }
        // Not stored: the state moved on, or this very command was applied meanwhile (a copy sent
        // again, on another process): then its first answer is the answer, and nothing is applied twice.
        if (commandId) {
          const remembered = await this.store.answerFor(conferenceId, key);
          if (remembered) return remembered;
        }
      }
      throw new PlenaryError(ErrorCode.CONFLICT, 'The conference is changing too fast; try again');
    } catch (error) {
      if (error instanceof PlenaryError) return fail(error);
      // The store did not answer (Redis down or restarting). Whether the append landed is unknown,
      // so the client is told to retry the same command: its id makes the retry safe.
      this.logger.error({ err: error, conferenceId, command: command.type }, 'command failed');
      return fail(new PlenaryError(ErrorCode.UNAVAILABLE, 'The conference state could not be reached; try the same command again in a moment'));
    }
  }
}
