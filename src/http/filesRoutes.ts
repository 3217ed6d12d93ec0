/**
 * `POST /api/v1/files` (bearer-protected): stores a file an agent will attach to a reply. The raw
 * body is the file (up to ATTACHMENT_MAX_BYTES), its Content-Type the type, `?name=` its name;
 * the answer is 201 `{ id, url, name, mimeType, size }`. The id goes in a reply's
 * `attachments: [{ fileId }]`.
 *
 * `GET /api/v1/files/:id` (bearer-protected): a stored file, streamed from PostgreSQL.
 * Always served as a download with a sandboxing CSP: the bytes and their type come from
 * customers, and must never run as a page on the desk's origin.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import express, { Router, type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { NotFoundError } from '../core/errors.js';
import { fileUrl, wellFormed, type FileStore, type StoredFileInfo } from '../core/files.js';
import { HttpError } from './errors.js';
import { apiGroup } from './apiRoutes.js';

/** `?name=`: the file's name (anything but one string is ignored, as before). */
const uploadQuery = z.object({ name: z.string().optional().catch(undefined).describe("the file's name") });

export function filesRouter(files: FileStore): Router {
  const router = Router();
  // Any type: the body is the file's bytes, whatever they are (no parser may run before this one).
  router.post('/files', fileBody(files), async (req, res) => {
    const data = uploadedBytes(req);
    const { name } = uploadQuery.parse(req.query);
    const file = await files.save({ data, mimeType: req.get('content-type'), name });
    res.status(201).json({ id: file.id, url: fileUrl(file.id), name: file.name, mimeType: file.mimeType, size: file.size });
  });
  router.use('/files', fileTooLarge(files, ' (ATTACHMENT_MAX_BYTES)'));
  router.get('/files/:id', async (req, res) => {
    const file = await files.info(req.params.id);
    if (!file) throw new NotFoundError(`file "${req.params.id}" not found`);
    await sendStoredFile(files, file, req, res);
  });
  return router;
}

/** An upload's body: any type (the bytes are the file, no parser may run before this one), up to the store's cap. */
export function fileBody(files: FileStore): RequestHandler {
  return express.raw({ type: () => true, limit: Math.max(1, files.maxBytes) });
}

/** The uploaded file's bytes; an empty body is refused. */
export function uploadedBytes(req: Request): Buffer {
  const data = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  if (data.length === 0) throw new HttpError(400, 'invalid_request', 'the request body (the file) is empty', 'body');
  return data;
}

/** The body parser's 413 for an upload over the store's cap, as an API error (`note` follows the size). */
export function fileTooLarge(files: FileStore, note = ''): ErrorRequestHandler {
  return (err: { status?: number }, _req, _res, next) => {
    if (err.status === 413) next(new HttpError(413, 'payload_too_large', `the file is larger than ${files.maxBytes} bytes${note}`));
    else next(err);
  };
}

/**
 * Streams a stored file as a download with a sandboxing CSP (the bytes and their type come from
 * customers and must never run as a page on the desk's origin); a conditional request gets 304.
 */
export async function sendStoredFile(files: FileStore, file: StoredFileInfo, req: Request, res: Response): Promise<void> {
  // setHeader, not res.set: Express would add a charset to text types it cannot know.
  res.setHeader('Content-Type', file.mimeType);
  res.setHeader('Content-Length', String(file.size));
  res.setHeader('Content-Disposition', contentDisposition(file.name ?? `file-${file.id}`));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
  // A stored file never changes: its hash is a strong validator.
  res.setHeader('Cache-Control', 'private, max-age=31536000, immutable');
  res.setHeader('ETag', `"${file.sha256}"`);
  if (req.fresh) {
    res.status(304).end();
    return;
  }
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  try {
    await pipeline(Readable.from(files.chunks(file)), res);
  } catch (err) {
    // The client went away mid-download: nothing to answer, nothing to log.
    if ((err as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE') return;
    throw err;
  }
}

/**
 * `attachment` with the name twice (RFC 6266): an ASCII fallback for old clients, and the exact
 * UTF-8 name (RFC 5987) that current browsers use. Quotes, backslashes and control characters
 * never reach the header.
 */
export function contentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(wellFormed(name)).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/** The routes above, for the OpenAPI spec (./openapi.ts). */
export const filesApi = apiGroup('files', '/api/v1', [
  {
    method: 'post', path: '/files', summary: 'Store a file to attach to a reply (up to ATTACHMENT_MAX_BYTES, else 413)',
    query: uploadQuery,
    rawBody: { contentTypes: ['*/*'], description: "the file's bytes; its Content-Type is the file's type" },
    success: { status: 201, description: '`{id, url, name, mimeType, size}`' },
  },
  { method: 'get', path: '/files/:id', summary: 'A stored file, as a download', success: { status: 200, description: "the file's bytes", contentTypes: ['*/*'] } },
]);
