import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * The hardening headers on every answer (helmet): no MIME sniffing, no Referer
 * (a join link's token is in the page's URL), no framing, and a
 * Content-Security-Policy that allows nothing, which suits JSON, playlists and
 * media. Pages replace the policy with their own (facePolicy, inlineStylePolicy).
 * HSTS only where Plenary is reached over HTTPS: on plain HTTP it would be
 * ignored at best, and at worst stick to a name that later serves HTTP.
 */
export function securityHeaders(options: { https: boolean }): RequestHandler {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    referrerPolicy: { policy: 'no-referrer' },
    xFrameOptions: { action: 'deny' },
    strictTransportSecurity: options.https ? { maxAge: 180 * 24 * 3600 } : false,
    // Playlists and media are fetched by players on other origins (CORS), and by Safari's
    // <video src> (no CORS at all): they must stay loadable cross-origin.
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  });
}

/**
 * The policy of a web face: exactly what the React pages use. Scripts, styles
 * and fonts from this origin; the control channel's WebSocket and the HLS
 * origin on this origin; media from blob: (hls.js feeds MSE through an object
 * URL) and data: (its metadata text track), and hls.js's worker from blob:. The console and the venue page carry a
 * host secret or a join token and are never framed; the watch page may be
 * embedded by any site (a newspaper's page showing the broadcast).
 */
export function facePolicy(options: { embeddable: boolean }): RequestHandler {
  const csp = helmet.contentSecurityPolicy({
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:', 'blob:'],
      // blob: for MSE; data: for the empty WebVTT track hls.js attaches to carry the stream's metadata cues.
      mediaSrc: ["'self'", 'blob:', 'data:'],
      connectSrc: ["'self'"],
      workerSrc: ["'self'", 'blob:'],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: options.embeddable ? ['*'] : ["'none'"],
    },
  });
  return (req, res, next) => {
    if (options.embeddable) res.removeHeader('X-Frame-Options');
    csp(req, res, next);
  };
}

/** The policy of a plain page whose only style is the given inline stylesheet (allowed by its hash). */
export function inlineStylePolicy(stylesheet: string): RequestHandler {
  const hash = createHash('sha256').update(stylesheet).digest('base64');
  return helmet.contentSecurityPolicy({
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], styleSrc: [`'sha256-${hash}'`], baseUri: ["'none'"], formAction: ["'none'"], frameAncestors: ["'none'"] },
  });
}
