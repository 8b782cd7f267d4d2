import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isPrivateAddress, type DestinationProblem } from '@plenary/shared';

/** Resolves a host name to its addresses (dns.lookup's answer: what the system's resolver says). */
export type Lookup = (host: string) => Promise<{ address: string }[]>;

const systemLookup: Lookup = (host) => dnsLookup(host, { all: true, verbatim: true });

/** Where ffmpeg connects: the address to give it, and for RTMP the tcUrl the server expects (its own name). */
export interface PushTarget {
  url: string;
  tcUrl?: string;
}

/**
 * The address a push connects to, checked each time it connects: unless private destinations
 * are allowed, a host that resolves (now) to this machine or a private network is refused, not
 * only one written so. For rtmp:// and srt:// ffmpeg is given the address checked here, so it
 * cannot resolve the name again to something else (a name answering a public address to the
 * check and a private one a moment later: DNS rebinding); an RTMP server still sees its own name
 * in the tcUrl. rtmps:// keeps the name, which TLS needs: ffmpeg resolves it again, milliseconds
 * after the check (a gap left, and said in the README).
 */
export async function pushTarget(url: string, allowPrivate: boolean, lookup: Lookup = systemLookup): Promise<PushTarget | { problem: DestinationProblem; message: string }> {
  if (allowPrivate) return { url };
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await lookup(host)).map((answer) => answer.address);
  } catch {
    return { problem: 'UNREACHABLE', message: `the host ${host} was not found` };
  }
  if (addresses.length === 0) return { problem: 'UNREACHABLE', message: `the host ${host} was not found` };
  if (addresses.some(isPrivateAddress)) {
    return { problem: 'PRIVATE', message: `${host} is on this machine or a private network: this server does not stream there (RESTREAM_PRIVATE=allow permits it)` };
  }
  if (parsed.protocol === 'rtmps:') return { url };
  const address = addresses[0] as string;
  const tcUrl = parsed.protocol === 'rtmp:' ? `rtmp://${parsed.host}/${parsed.pathname.split('/').filter(Boolean)[0] ?? ''}` : undefined;
  parsed.hostname = isIP(address) === 6 ? `[${address}]` : address;
  return { url: parsed.toString(), ...(tcUrl ? { tcUrl } : {}) };
}
