import { z } from 'zod';

/** What a restream destination's address may start with: what the broadcast's ffmpeg can push to. */
export const DESTINATION_SCHEMES = ['rtmp:', 'rtmps:', 'srt:'] as const;

/** A destination's id: "rs-<n>", never reused within a conference. */
export const destinationIdSchema = z.string().regex(/^rs-\d{1,6}$/, 'not a destination id');

/**
 * A restream destination's address, e.g. rtmp://live.example.com/app/<stream key>. Its key is a
 * secret: nothing but this schema and the process that pushes to it ever sees it whole (see
 * maskDestination). The messages say what a presider should fix.
 */
export const destinationUrlSchema = z
  .string()
  .trim()
  .max(1024, 'a streaming address is at most 1024 characters')
  .superRefine((text, context) => {
    const problem = destinationProblem(text);
    if (problem) context.addIssue({ code: z.ZodIssueCode.custom, message: problem });
  });

function destinationProblem(text: string): string | undefined {
  // Spaces and control characters would reach ffmpeg's command line and the logs.
  if (/[\s\u0000-\u001f\u007f]/.test(text)) return 'a streaming address has no spaces or control characters';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'this is not a streaming address: it should look like rtmp://live.example.com/app/stream-key';
  }
  if (!(DESTINATION_SCHEMES as readonly string[]).includes(url.protocol)) {
    return `Plenary streams to rtmp://, rtmps:// and srt:// addresses, not ${url.protocol}//`;
  }
  if (!url.hostname) return 'a streaming address needs a host, e.g. rtmp://live.example.com/app/stream-key';
  if (url.protocol !== 'srt:' && url.pathname.split('/').filter(Boolean).length < 1) {
    return 'an RTMP address needs an application and a stream key, e.g. rtmp://live.example.com/app/stream-key';
  }
  return undefined;
}

/**
 * Whether an address's host is this machine or a private network (loopback, RFC 1918, link-local,
 * carrier-grade NAT, IPv6 unique-local): a presider's destination there would make the server
 * connect inside its own network. Names are judged as written; the process that pushes judges
 * the addresses a name resolves to as well, each time it connects (isPrivateAddress).
 */
export function isPrivateDestination(text: string): boolean {
  const host = new URL(text).hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  return isPrivateAddress(host);
}

/** Whether an IP address (v4 or v6, as written or as DNS answers it) is this machine's or a private network's. */
export function isPrivateAddress(address: string): boolean {
  const host = address.toLowerCase();
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host.replace(/^::ffff:/, ''));
  if (v4) {
    const [a = 0, b = 0] = v4.slice(1).map(Number);
    return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
  }
  return host === '::' || host === '::1' || /^f[cd][0-9a-f]{2}:/.test(host) || /^fe[89ab][0-9a-f]:/.test(host) || host.startsWith('::ffff:7f');
}

/**
 * A destination's address as anyone may see it: the scheme, host, port and an RTMP address's
 * application, the rest (stream key, user, SRT's streamid and passphrase) as ****.
 * rtmp://live.example.com/app/abc123 -> rtmp://live.example.com/app/****
 */
export function maskDestination(text: string): string {
  const url = new URL(text);
  const host = `${url.protocol}//${url.host}`;
  if (url.protocol === 'srt:') return url.search || url.pathname.length > 1 ? `${host}?****` : host;
  const [app] = url.pathname.split('/').filter(Boolean);
  return `${host}/${app ?? ''}/****`;
}

/** A destination's kind, for its icon and for ffmpeg's muxer. */
export function destinationProtocol(text: string): 'rtmp' | 'rtmps' | 'srt' {
  return new URL(text).protocol.slice(0, -1) as 'rtmp' | 'rtmps' | 'srt';
}

/** How a destination is doing, as the owner of the broadcast sees it. */
export const DESTINATION_STATES = ['connecting', 'live', 'retrying', 'stopped'] as const;
export type DestinationState = (typeof DESTINATION_STATES)[number];

/**
 * Why a destination is retrying, as a stable code: UNREACHABLE (no answer, refused, DNS),
 * REFUSED (the server answered and would not take the stream: a wrong key, say),
 * TOO_SLOW (it could not keep up), DROPPED (the connection ended), RESTARTED (the broadcast's
 * encoder started again: a new stream follows), PRIVATE (its name leads to this machine or a
 * private network now, and this server does not stream there).
 */
export type DestinationProblem = 'UNREACHABLE' | 'REFUSED' | 'TOO_SLOW' | 'DROPPED' | 'RESTARTED' | 'PRIVATE';

/** One destination's state: what the console shows and GET .../destinations lists. */
export interface DestinationStatus {
  id: string;
  /** The masked address. */
  display: string;
  state: DestinationState;
  /** Bits per second pushed over the last few seconds (0 unless live). */
  bitrate: number;
  /** Why it is retrying (or was, last), and a sentence a presider understands. */
  problem?: { code: DestinationProblem; message: string };
  /** When it last went live (ms since the epoch). */
  liveSince?: number;
  /** How many times it was started again. */
  retries: number;
}
