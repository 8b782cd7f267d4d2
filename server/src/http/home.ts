import { Router } from 'express';
import type { Config } from '../app/config';
import { inlineStylePolicy } from './hardening';

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1d2330}
code{background:#eef1f6;padding:.1rem .3rem;border-radius:.2rem}`;

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/**
 * GET /: a plain page that says what this server is and where to go.
 */
export function homeRouter(config: Config): Router {
  const router = Router();
  router.get('/', inlineStylePolicy(STYLE), (_req, res) => {
    const base = escapeHtml(config.publicUrl);
    res.set('Cache-Control', 'no-store').type('html').send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Plenary</title>
<style>${STYLE}</style></head>
<body><h1>Plenary</h1>
<p>A conference held by video link: a presider at the main venue hands the floor between
speakers at the main venue and the sub-venues, and the live broadcast follows.</p>
<p>This server is running. Its pages: the presider console (<code>/host/&lt;conference&gt;#key=…</code>,
the presider link), the sub-venue page (<code>/join/&lt;token&gt;</code>, a venue's join link) and the
public watch page (<code>/watch/&lt;conference&gt;</code>).</p>
<ul>
<li><a href="${base}/healthz">Health</a>: the media workers, their process ids and the mediasoup version.</li>
<li>Media self-test: <code>curl -X POST -H "Authorization: Bearer $PLENARY_ADMIN_KEY" ${base}/api/media/self-test</code></li>
</ul></body></html>`);
  });
  return router;
}
