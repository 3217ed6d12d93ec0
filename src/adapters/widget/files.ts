/**
 * Files in the widget, both ways.
 *
 * `POST /widget/files?token=<visitor token>&name=<file name>`: the raw body is a file the visitor
 * attaches (up to ATTACHMENT_MAX_BYTES, its Content-Type the type; so many per visitor and IP an
 * hour, ./uploadLimit.ts, else 429 with Retry-After). It is stored, and the answer
 * `201 { file, name, mimeType, size }` gives a reference signed for this visitor, which their next
 * message frame names in `files` (./hub.ts turns it back into the stored file).
 *
 * `GET /widget/files/:id?token=<visitor token>`: a file in the visitor's own conversation (theirs,
 * or one an agent sent them; never one from an internal note), served as a download like the REST
 * API serves files. Anything else is 404, so an id reveals nothing.
 *
 * The token travels in the query string, as for the widget's WebSocket: a link or an <img> cannot
 * send a header. The response asks browsers not to pass the address on as a referrer.
 */
import { Router } from 'express';
import { z } from 'zod';
import { fileUrl, type FileStore } from '../../core/files.js';
import type { Db } from '../../db/prisma.js';
import { HttpError } from '../../http/errors.js';
import { fileBody, fileTooLarge, sendStoredFile, uploadedBytes } from '../../http/filesRoutes.js';
import { corsFor } from './routes.js';
import { issueFileRef, readVisitorToken } from './token.js';
import type { UploadLimiter } from './uploadLimit.js';

export interface WidgetFilesOptions {
  db: Db;
  files: FileStore;
  secret: string;
  allowedOrigins: string;
  /** How much a visitor (and an IP) may upload per hour. */
  limiter: UploadLimiter;
}

const query = z.object({ token: z.string().max(200).optional().catch(undefined), name: z.string().max(1000).optional().catch(undefined) });

export function widgetFilesRouter(o: WidgetFilesOptions): Router {
  const router = Router();
  const cors = corsFor(o.allowedOrigins);

  const visitor = (raw: unknown): string => {
    const visitorId = readVisitorToken(o.secret, query.parse(raw).token);
    if (!visitorId) throw new HttpError(401, 'unauthorized', 'a valid visitor token is required (?token=)');
    return visitorId;
  };

  router.post('/widget/files', cors, fileBody(o.files), async (req, res) => {
    const visitorId = visitor(req.query);
    const data = uploadedBytes(req);
    const wait = await o.limiter.take(visitorId, req.ip ?? 'unknown', data.length);
    if (wait > 0) {
      res.setHeader('Retry-After', String(wait));
      throw new HttpError(429, 'too_many_uploads', `too many files uploaded this hour: try again in ${wait} s`);
    }
    const file = await o.files.save({ data, mimeType: req.get('content-type'), name: query.parse(req.query).name });
    res.status(201).json({ file: issueFileRef(o.secret, visitorId, file.id), name: file.name, mimeType: file.mimeType, size: file.size });
  });
  router.use('/widget/files', fileTooLarge(o.files));

  router.get('/widget/files/:id', cors, async (req, res) => {
    const visitorId = visitor(req.query);
    const file = await o.files.info(String(req.params.id));
    if (!file || !(await inVisitorsConversation(o.db, visitorId, file.id))) throw new HttpError(404, 'not_found', 'no such file in this chat');
    res.setHeader('Referrer-Policy', 'no-referrer');
    await sendStoredFile(o.files, file, req, res);
  });

  return router;
}

/** Whether a message the visitor can see (not an internal note) in their widget conversation carries the file. */
async function inVisitorsConversation(db: Db, visitorId: string, fileId: string): Promise<boolean> {
  const rows = await db.$queryRaw<Array<{ found: number }>>`
    SELECT 1 AS "found" FROM "Message" m JOIN "Conversation" c ON c."id" = m."conversationId"
    WHERE c."channel" = 'widget' AND c."externalChatId" = ${visitorId} AND m."authorKind" <> 'note'
      AND m."attachments" @> ${JSON.stringify([{ url: fileUrl(fileId) }])}::jsonb
    LIMIT 1`;
  return rows.length > 0;
}
