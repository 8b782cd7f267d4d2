import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import express, { Router } from 'express';
import { ErrorCode } from '@plenary/shared';
import { sendError } from './errors';
import { facePolicy } from './hardening';

/** Where `vite build` puts the faces (client/dist), next to the server package. */
export const FACES_DIR = join(__dirname, '..', '..', '..', 'client', 'dist');

/**
 * The web faces, built by Vite: /host/:conferenceId (presider console),
 * /join/:token (sub-venue page), /watch/:conferenceId (public watch page),
 * /caption/:token (a captioner's page), /interpret/:token (an interpreter's page).
 * Their hashed assets are immutable; the pages themselves are revalidated, so a
 * new release reaches every browser.
 */
export function facesRouter(dir = FACES_DIR): Router {
  const router = Router();
  router.use('/assets', express.static(join(dir, 'assets'), { immutable: true, maxAge: '365d', index: false }));
  router.use('/assets', (_req, res) => sendError(res, ErrorCode.NOT_FOUND, 'No such file'));
  const pages: [string, string][] = [
    ['/host/:conferenceId', 'host.html'],
    ['/join/:token', 'join.html'],
    ['/watch/:conferenceId', 'watch.html'],
    ['/caption/:token', 'caption.html'],
    ['/interpret/:token', 'interpret.html'],
  ];
  const read = new Map<string, Buffer>();
  for (const [path, file] of pages) {
    router.get(path, facePolicy({ embeddable: file === 'watch.html' }), (_req, res) => {
      const page = join(dir, file);
      const html = read.get(file) ?? (existsSync(page) ? readFileSync(page) : undefined);
      if (!html) {
        res.status(503).set('Cache-Control', 'no-store').type('html').send(
          '<!doctype html><meta charset="utf-8"><title>Plenary</title><h1>Plenary</h1><p>The web pages are not built on this server. ' +
            'Run <code>npm start</code> (it builds them) or <code>npm run build:client</code>, then reload.</p>',
        );
        return;
      }
      // The watch page is the same for every viewer: edges may keep it a minute. The others are per person.
      read.set(file, html);
      res.set('Cache-Control', file === 'watch.html' ? 'public, max-age=60' : 'no-cache').type('html').send(html);
    });
  }
  return router;
}
