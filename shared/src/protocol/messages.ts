import type { z } from 'zod';
import type { Ack } from './ack';
import type { DestinationStatus } from './destinations';
import { commandEnvelopeSchema } from './commands';
import { connectTransportSchema, consumeSchema, consumerRequestSchema, produceSchema, resumeConsumerSchema, transportRequestSchema } from './media';
import { captionerLinkRequestSchema, interpreterLinkRequestSchema, joinLinkRequestSchema, type CaptionerLink, type IceServerInfo, type InterpreterLink, type JoinLink, type MediaConsumerInfo, type MediaTransportInfo, type Snapshot, type VenueMediaStats } from './socket';

/** Which per-socket budget a message draws on: floor control, or WebRTC signalling. */
export type Budget = 'commands' | 'media';

/**
 * Every message a client may send on the control channel, in one table: its
 * request's schema (none: the message is only an acknowledgement callback),
 * the budget it draws on, and whether a client may send it again, unchanged,
 * when its answer was lost: a command carries its id (the server answers a
 * repeat with the first answer), reads change nothing; creating a transport,
 * producer or consumer twice would make two. The socket.io event map is derived from it as types
 * (ClientToServerEvents), and the server's arity check and validation at run
 * time; what each answers is in MessageAnswers.
 */
export const MESSAGES = {
  command: { request: commandEnvelopeSchema, budget: 'commands', resend: true },
  sync: { request: undefined, budget: 'commands', resend: true },
  joinLink: { request: joinLinkRequestSchema, budget: 'commands', resend: true },
  /** A captions channel's captioner link (the presider's "copy link"). */
  captionerLink: { request: captionerLinkRequestSchema, budget: 'commands', resend: true },
  /** An interpretation channel's interpreter link. */
  interpreterLink: { request: interpreterLinkRequestSchema, budget: 'commands', resend: true },
  'media:capabilities': { request: undefined, budget: 'media', resend: true },
  'media:createTransport': { request: undefined, budget: 'media', resend: false },
  'media:connectTransport': { request: connectTransportSchema, budget: 'media', resend: false },
  'media:produce': { request: produceSchema, budget: 'media', resend: false },
  'media:consume': { request: consumeSchema, budget: 'media', resend: false },
  'media:resume': { request: resumeConsumerSchema, budget: 'media', resend: true },
  'media:stats': { request: undefined, budget: 'media', resend: true },
  /** The restream destinations' states (the presider's console polls them). */
  'media:destinations': { request: undefined, budget: 'media', resend: true },
  /** New ICE credentials for a transport whose network path broke (the browser then restarts ICE). */
  'media:restartIce': { request: transportRequestSchema, budget: 'media', resend: false },
  /** Stop receiving one stream. */
  'media:closeConsumer': { request: consumerRequestSchema, budget: 'media', resend: true },
} as const satisfies Record<string, { request: z.ZodType | undefined; budget: Budget; resend: boolean }>;

export type MessageName = keyof typeof MESSAGES;

/** What each message answers on success (mediasoup's own shapes stay opaque here). */
export interface MessageAnswers {
  command: { version: number };
  sync: Snapshot;
  joinLink: JoinLink;
  captionerLink: CaptionerLink;
  interpreterLink: InterpreterLink;
  'media:capabilities': unknown;
  'media:createTransport': MediaTransportInfo;
  'media:connectTransport': Record<string, never>;
  'media:produce': { id: string };
  'media:consume': MediaConsumerInfo;
  'media:resume': Record<string, never>;
  'media:stats': VenueMediaStats[];
  'media:destinations': DestinationStatus[];
  'media:restartIce': { iceParameters: unknown; iceServers?: IceServerInfo[] };
  'media:closeConsumer': Record<string, never>;
}

/** A message's request, as its schema parses it (never: the message takes none). */
export type RequestOf<N extends MessageName> = (typeof MESSAGES)[N]['request'] extends z.ZodType ? z.infer<(typeof MESSAGES)[N]['request']> : never;

type Answer<T> = (answer: Ack<T>) => void;

/** What the client sends: every message answers through its ack callback. */
export type ClientToServerEvents = {
  [N in MessageName]: (typeof MESSAGES)[N]['request'] extends z.ZodType ? (request: RequestOf<N>, ack: Answer<MessageAnswers[N]>) => void : (ack: Answer<MessageAnswers[N]>) => void;
};

/** A known message's table entry, or undefined for any other name (an unknown message). */
export function messageSpec(name: string): { request: z.ZodType | undefined; budget: Budget; resend: boolean } | undefined {
  return Object.prototype.hasOwnProperty.call(MESSAGES, name) ? MESSAGES[name as MessageName] : undefined;
}

/** The media calls: the `media:` messages without their prefix. */
export type MediaCallName = MessageName extends infer N ? (N extends `media:${infer Call}` ? Call : never) : never;
export const MEDIA_CALLS = (Object.keys(MESSAGES) as MessageName[]).flatMap((name) => (name.startsWith('media:') ? [name.slice('media:'.length) as MediaCallName] : []));
