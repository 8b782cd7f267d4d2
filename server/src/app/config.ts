import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cpus, networkInterfaces } from 'node:os';
import { resolve } from 'node:path';
import proxyaddr from 'proxy-addr';
import { z } from 'zod';
import type { TurnConfig } from '../media/turn';

/** Plenary's configuration, read once at start from the environment. */
export interface Config {
  port: number;
  /** Interface the HTTP server binds to. */
  host: string;
  /** Unset: conference state lives in memory. */
  redisUrl: string | undefined;
  adminKey: string;
  /** True when no PLENARY_ADMIN_KEY was given and one was generated for this run. */
  adminKeyGenerated: boolean;
  /** Base of the links Plenary prints and mints. */
  publicUrl: string;
  /** Address put into ICE candidates for browsers. */
  announcedIp: string;
  mediasoupWorkers: number;
  /** Worker i's WebRtcServer listens on rtcPort + i, UDP and TCP; 0 picks free ports. */
  rtcPort: number;
  logLevel: string;
  /** How many demo sub-venues (plus the main venue) are simulated with a test picture and tone. */
  /** How far before it is sent a caption line is timed (a stenographer trails the speaker). */
  captionDelayMs: number;
  /** Whether restream destinations may be on this machine or a private network (RESTREAM_PRIVATE=allow). */
  restreamToPrivate: boolean;
  /** Whether `npm start` creates the demo conference (a real deployment turns it off). */
  demo: boolean;
  demoSimulatedVenues: number;
  /** The broadcast's video renditions, e.g. ["720p", "480p", "360p"]; empty: no broadcast. */
  broadcastLadder: string[];
  /** LL-HLS part length, seconds (PART-HOLD-BACK is three of them). */
  broadcastPartSeconds: number;
  /** Where broadcasts are recorded (a folder per conference), played as video on demand afterwards. */
  archiveDir: string;
  /** The share of watch pages that announce themselves for the viewer count (1: all; 0.02 at a very large audience). */
  viewerSample: number;
  /** Control-channel handshakes per second per client address (bursts of three times as many). */
  joinRatePerAddress: number;
  /** How many sockets one venue's join link may hold open at once. */
  socketsPerLink: number;
  /** How many viewers one client address may count as (a household, an office behind one NAT). */
  viewersPerAddress: number;
  /** Proxies (addresses, CIDRs, or loopback / linklocal / uniquelocal) whose X-Forwarded-For is believed. */
  trustProxy: string[];
  /** How the other server processes reach this one's HTTP (they relay /hls/ to the media's owner); unset: where it listens. */
  internalUrl: string | undefined;
  /** The TURN server venues may relay through (TURN_URLS with TURN_SECRET); unset: none, ICE over UDP and TCP to the SFU only. */
  turn: TurnConfig | undefined;
  /** PEM files to serve HTTPS with (TLS_CERT, TLS_KEY); unset: plain HTTP (behind a TLS proxy, or on localhost). */
  tls: { certFile: string; keyFile: string } | undefined;
}

/** Thrown when the environment is invalid; its message names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const port = (name: string, fallback: number) =>
  z
    .string()
    .regex(/^\d+$/, `${name} must be a whole number from 0 to 65535`)
    .transform(Number)
    .refine((n) => n <= 65535, `${name} must be a whole number from 0 to 65535`)
    .optional()
    .transform((n) => n ?? fallback);

const schema = z.object({
  PORT: port('PORT', 8080),
  HOST: z.string().min(1).optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, 'REDIS_URL must look like redis://host:6379 (or rediss:// for TLS)')
    .optional(),
  PLENARY_ADMIN_KEY: z.string().min(16, 'PLENARY_ADMIN_KEY must be at least 16 characters').optional(),
  PUBLIC_URL: z
    .string()
    .regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, 'PUBLIC_URL must be an http:// or https:// URL')
    .optional(),
  ANNOUNCED_IP: z
    .string()
    .regex(/^[A-Za-z0-9.:-]+$/, 'ANNOUNCED_IP must be an IP address or host name')
    .optional(),
  MEDIASOUP_WORKERS: z
    .string()
    .regex(/^[1-9]\d*$/, 'MEDIASOUP_WORKERS must be a positive whole number')
    .transform(Number)
    .optional(),
  RTC_PORT: port('RTC_PORT', 40000),
  DEMO: z.enum(['on', 'off'], { message: 'DEMO must be "on" or "off"' }).optional(),
  RESTREAM_PRIVATE: z.enum(['allow', 'deny'], { message: 'RESTREAM_PRIVATE must be "allow" or "deny"' }).optional(),
  CAPTION_DELAY_MS: z
    .string()
    .regex(/^\d{1,4}$/, 'CAPTION_DELAY_MS must be a whole number of milliseconds from 0 to 3000')
    .transform(Number)
    // A line stays up 4 s: timed further back than this it would land in parts viewers have played.
    .refine((ms) => ms <= 3000, 'CAPTION_DELAY_MS must be a whole number of milliseconds from 0 to 3000')
    .optional(),
  DEMO_SIMULATED_VENUES: z
    .string()
    .regex(/^([0-9]|1[0-9]|20)$/, 'DEMO_SIMULATED_VENUES must be a whole number from 0 to 20')
    .transform(Number)
    .optional(),
  BROADCAST_LADDER: z
    .string()
    .regex(/^(off|((1080p|720p|480p|360p|240p)(,(1080p|720p|480p|360p|240p))*))$/, 'BROADCAST_LADDER must be "off" or renditions like 720p,480p,360p (1080p, 240p also exist)')
    .optional(),
  BROADCAST_PART_SECONDS: z
    .string()
    .regex(/^(0\.(2[5-9]|[3-9]\d?)\d?|1)$/, 'BROADCAST_PART_SECONDS must be a length from 0.25 to 1 (seconds), e.g. 0.5 or 0.333')
    .transform(Number)
    .optional(),
  ARCHIVE_DIR: z.string().min(1).optional(),
  VIEWER_SAMPLE: z
    .string()
    .regex(/^(1|1\.0*|0?\.\d*[1-9]\d*)$/, 'VIEWER_SAMPLE must be a number above 0 and at most 1, e.g. 0.05')
    .transform(Number)
    .optional(),
  JOIN_RATE_PER_ADDRESS: z
    .string()
    .regex(/^[1-9]\d{0,4}$/, 'JOIN_RATE_PER_ADDRESS must be a whole number from 1 to 99999')
    .transform(Number)
    .optional(),
  SOCKETS_PER_LINK: z
    .string()
    .regex(/^[1-9]\d{0,3}$/, 'SOCKETS_PER_LINK must be a whole number from 1 to 9999')
    .transform(Number)
    .optional(),
  VIEWERS_PER_ADDRESS: z
    .string()
    .regex(/^[1-9]\d{0,4}$/, 'VIEWERS_PER_ADDRESS must be a whole number from 1 to 99999')
    .transform(Number)
    .optional(),
  TRUST_PROXY: z
    .string()
    .transform((list) => list.split(',').map((entry) => entry.trim()).filter(Boolean))
    .refine(trustable, 'TRUST_PROXY must be addresses or CIDRs (or loopback, linklocal, uniquelocal), separated by commas')
    .optional(),
  INTERNAL_URL: z
    .string()
    .regex(/^https?:\/\/[^\s/]+$/, 'INTERNAL_URL must be an http:// URL with no path, e.g. http://plenary-1:8080')
    .optional(),
  TLS_CERT: z.string().min(1).refine((file) => existsSync(file), 'TLS_CERT must be the path of a PEM certificate file (its chain after it), and there is no file there').optional(),
  TLS_KEY: z.string().min(1).refine((file) => existsSync(file), 'TLS_KEY must be the path of the PEM private key file of TLS_CERT, and there is no file there').optional(),
  TURN_URLS: z
    .string()
    .transform((list) => list.split(',').map((entry) => entry.trim()).filter(Boolean))
    .refine((urls) => urls.length > 0 && urls.every((url) => /^turns?:[A-Za-z0-9.:[\]-]+(\?transport=(udp|tcp))?$/.test(url)), 'TURN_URLS must be TURN addresses separated by commas, e.g. turn:turn.example.org:3478?transport=udp,turn:turn.example.org:3478?transport=tcp,turns:turn.example.org:443?transport=tcp')
    .optional(),
  TURN_SECRET: z.string().min(16, 'TURN_SECRET must be at least 16 characters (the TURN server\'s static-auth-secret)').optional(),
  TURN_TTL_SECONDS: z
    .string()
    .regex(/^\d{2,5}$/, 'TURN_TTL_SECONDS must be a whole number of seconds from 60 to 86400')
    .transform(Number)
    .refine((s) => s >= 60 && s <= 86400, 'TURN_TTL_SECONDS must be a whole number of seconds from 60 to 86400')
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
});

/** Whether proxy-addr understands every entry of a TRUST_PROXY list. */
function trustable(list: string[]): boolean {
  try {
    proxyaddr.compile(list);
    return true;
  } catch {
    return false;
  }
}

/** Variables whose values never appear in an error message. */
const SECRET_VARIABLES = new Set(['PLENARY_ADMIN_KEY', 'REDIS_URL', 'TURN_SECRET']);

/** Reads and checks the configuration; throws ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  // Empty values count as unset, as they do in most .env conventions.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? '');
        const given = present[name];
        const shown = given === undefined || SECRET_VARIABLES.has(name) ? '' : ` (got ${JSON.stringify(given)})`;
        return `${name}: ${issue.message}${shown}`;
      }),
    );
  }
  const e = parsed.data;
  // One without the other is a TURN server venues could not use, or a certificate without its key:
  // said at start, not found on the day.
  const unpaired = [
    ...((e.TURN_URLS === undefined) !== (e.TURN_SECRET === undefined)
      ? [e.TURN_URLS ? 'TURN_SECRET: must be set with TURN_URLS (the TURN server\'s static-auth-secret)' : 'TURN_URLS: must be set with TURN_SECRET (where venues reach the TURN server)']
      : []),
    ...((e.TLS_CERT === undefined) !== (e.TLS_KEY === undefined) ? [e.TLS_CERT ? 'TLS_KEY: must be set with TLS_CERT (the certificate\'s private key)' : 'TLS_CERT: must be set with TLS_KEY (the certificate of that key)'] : []),
  ];
  if (unpaired.length > 0) throw new ConfigError(unpaired);
  const tls = e.TLS_CERT && e.TLS_KEY ? { certFile: resolve(e.TLS_CERT), keyFile: resolve(e.TLS_KEY) } : undefined;
  return {
    port: e.PORT,
    host: e.HOST ?? '0.0.0.0',
    redisUrl: e.REDIS_URL,
    adminKey: e.PLENARY_ADMIN_KEY ?? randomBytes(18).toString('base64url'),
    adminKeyGenerated: e.PLENARY_ADMIN_KEY === undefined,
    publicUrl: (e.PUBLIC_URL ?? `${tls ? 'https' : 'http'}://localhost:${e.PORT}`).replace(/\/+$/, ''),
    announcedIp: e.ANNOUNCED_IP ?? firstLanAddress() ?? '127.0.0.1',
    mediasoupWorkers: e.MEDIASOUP_WORKERS ?? cpus().length,
    rtcPort: e.RTC_PORT,
    logLevel: e.LOG_LEVEL ?? 'info',
    demo: e.DEMO !== 'off',
    captionDelayMs: e.CAPTION_DELAY_MS ?? 0,
    restreamToPrivate: e.RESTREAM_PRIVATE === 'allow',
    // The demo shows a live broadcast from the start: every venue of it simulated unless told otherwise.
    demoSimulatedVenues: e.DEMO_SIMULATED_VENUES ?? 3,
    archiveDir: resolve(e.ARCHIVE_DIR ?? 'data/archive'),
    viewerSample: e.VIEWER_SAMPLE ?? 1,
    joinRatePerAddress: e.JOIN_RATE_PER_ADDRESS ?? 10,
    socketsPerLink: e.SOCKETS_PER_LINK ?? 4,
    viewersPerAddress: e.VIEWERS_PER_ADDRESS ?? 50,
    trustProxy: e.TRUST_PROXY ?? [],
    internalUrl: e.INTERNAL_URL,
    tls,
    turn: e.TURN_URLS && e.TURN_SECRET ? { urls: e.TURN_URLS, secret: e.TURN_SECRET, ttlSeconds: e.TURN_TTL_SECONDS ?? 3600 } : undefined,
    broadcastLadder: e.BROADCAST_LADDER === 'off' ? [] : (e.BROADCAST_LADDER ?? '720p,480p,360p').split(','),
    // 0.333: p50 1.43-1.50 s glass to glass at the default ladder against 1.77 s with 0.5 (docs/benchmarks.md), for 1.5x the requests.
    broadcastPartSeconds: e.BROADCAST_PART_SECONDS ?? 0.333,
  };
}

/** The first non-internal IPv4 address, so venues on the LAN can reach the SFU by default. */
function firstLanAddress(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal) return address.address;
    }
  }
  return undefined;
}
