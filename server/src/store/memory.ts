import { randomBytes } from 'node:crypto';
import type { Ack, VersionedEvent } from '@plenary/shared';
import { COMMAND_MEMORY_SECONDS, EVENT_LOG_LENGTH, type Append, type ConferenceRecord, type ConferenceStore } from './types';

/** The embedded default: conferences in this process's memory, gone when it stops. */
export class MemoryStore implements ConferenceStore {
  private readonly records = new Map<string, ConferenceRecord>();
  private readonly logs = new Map<string, VersionedEvent[]>();
  private readonly answers = new Map<string, { answer: Ack<{ version: number }>; expires: number }>();
  private readonly secret = randomBytes(32);

  async create(record: ConferenceRecord): Promise<boolean> {
    if (this.records.has(record.state.id)) return false;
    this.records.set(record.state.id, structuredClone(record));
    this.logs.set(record.state.id, []);
    return true;
  }

  async get(conferenceId: string): Promise<ConferenceRecord | undefined> {
    const record = this.records.get(conferenceId);
    return record && structuredClone(record);
  }

  async append(append: Append): Promise<boolean> {
    const current = this.records.get(append.conferenceId);
    if (!current || current.state.version !== append.expectedVersion) return false;
    this.records.set(append.conferenceId, structuredClone(append.record));
    const log = this.logs.get(append.conferenceId) ?? [];
    log.push(...append.events);
    if (log.length > EVENT_LOG_LENGTH) log.splice(0, log.length - EVENT_LOG_LENGTH);
    this.logs.set(append.conferenceId, log);
    this.pruneAnswers();
    this.answers.set(`${append.conferenceId}:${append.commandKey}`, {
      answer: append.answer,
      expires: Date.now() + COMMAND_MEMORY_SECONDS * 1000,
    });
    return true;
  }

  async answerFor(conferenceId: string, commandKey: string): Promise<Ack<{ version: number }> | undefined> {
    const entry = this.answers.get(`${conferenceId}:${commandKey}`);
    return entry && entry.expires > Date.now() ? entry.answer : undefined;
  }

  async linkSecret(): Promise<Uint8Array> {
    return this.secret;
  }

  async close(): Promise<void> {}

  /** Drops expired answers; the map is insertion-ordered, so expired ones are at the front. */
  private pruneAnswers(): void {
    const now = Date.now();
    for (const [key, entry] of this.answers) {
      if (entry.expires > now) break;
      this.answers.delete(key);
    }
  }
}
