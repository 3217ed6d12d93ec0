/** The widget's HTTP side: its script, its configuration (topics, the file size limit) and visitor sessions; files are in ./files.ts. */
import path from 'node:path';
import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { topicsFor, type DeskTopics, type Lang } from '../../core/deskConfig.js';
import { issueVisitorToken, readVisitorToken } from './token.js';

export interface WidgetRoutesOptions {
  secret: string;
  desk: DeskTopics;
  publicDir: string;
  allowedOrigins: string;
  /** The largest file a visitor may attach (ATTACHMENT_MAX_BYTES): the widget checks it before uploading. */
  maxFileBytes: number;
}

const TEXTS: Record<Lang, { title: string; botName: string }> = {
  ru: { title: 'Поддержка', botName: 'Бот-помощник' },
  en: { title: 'Support', botName: 'Helper bot' },
};

export function widgetRouter(o: WidgetRoutesOptions): Router {
  const router = Router();
  const cors = corsFor(o.allowedOrigins);

  router.get('/widget.js', cors, (_req, res) => {
    res.type('application/javascript').set('cache-control', 'public, max-age=300');
    res.sendFile(path.join(o.publicDir, 'widget.js'));
  });

  router.options('/widget/*path', cors, (_req, res) => {
    res.sendStatus(204);
  });

  router.get('/widget/config', cors, (req, res) => {
    const lang: Lang = req.query.lang === 'ru' ? 'ru' : 'en';
    res.json({ ...TEXTS[lang], topics: topicsFor(o.desk, lang), maxFileBytes: o.maxFileBytes });
  });

  router.post('/widget/session', cors, express.json({ limit: '4kb' }), (req, res) => {
    const { token } = z.object({ token: z.string().max(200).optional() }).catch({}).parse(req.body ?? {});
    const visitorId = readVisitorToken(o.secret, token);
    res.json(visitorId ? { token, visitorId } : issueVisitorToken(o.secret));
  });

  return router;
}

/** The widget is embedded on other sites: let them call us (or only the listed origins). */
export function corsFor(allowed: string): RequestHandler {
  const origins = allowed.split(',').map((s) => s.trim()).filter(Boolean);
  return (req, res, next) => {
    const origin = req.get('origin');
    if (origin && (origins.includes('*') || origins.includes(origin))) {
      res.set({ 'access-control-allow-origin': origin, vary: 'Origin', 'access-control-allow-headers': 'content-type', 'access-control-allow-methods': 'GET, POST, OPTIONS' });
    }
    next();
  };
}
