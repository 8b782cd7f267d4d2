import type { Ack, ConferenceState, VersionedEvent } from '@plenary/shared';

/** A conference as stored: its state and the hash of the presider's host secret. */
export interface ConferenceRecord {
  state: ConferenceState;
  /** sha256 (hex) of the host secret; the secret itself is never stored. */
  hostSecretHash: string;
  /**
   * Each restream destination's whole address (its stream key in it), by destination id: kept
   * here, never in the state, which every client of the conference receives.
   */
  destinationUrls?: Record<string, string>;
}

/** One successful append: the state after it, the events it stored, the answer remembered for retries. */
export interface Append {
  conferenceId: string;
  /** The state version the append was decided on; the append fails if the stored version moved. */
  expectedVersion: number;
  record: ConferenceRecord;
  events: VersionedEvent[];
  /** Remembered under this key so a retried command gets the same answer. */
  commandKey: string;
  answer: Ack<{ version: number }>;
}

/**
 * Where conferences live: memory (one process) or Redis (survives restarts,
 * shared by several processes). Appends are compare-and-set on the version, so
 * two processes deciding on the same state cannot both win.
 */
export interface ConferenceStore {
  /** Stores a new conference; false if the id is taken. */
  create(record: ConferenceRecord): Promise<boolean>;
  get(conferenceId: string): Promise<ConferenceRecord | undefined>;
  /** Appends atomically; false when the stored version is no longer expectedVersion. */
  append(append: Append): Promise<boolean>;
  /** The answer given to an earlier command with this key, if any (kept for an hour). */
  answerFor(conferenceId: string, commandKey: string): Promise<Ack<{ version: number }> | undefined>;
  /** The secret that signs join links, created on first use and shared by every process. */
  linkSecret(): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** How long a command's answer is remembered for retries. */
export const COMMAND_MEMORY_SECONDS = 3600;
/** How many recent events are kept per conference (an audit tail; state is the snapshot). */
export const EVENT_LOG_LENGTH = 1000;
