/** Customers' files: fetched by the inbound pipeline, kept in PostgreSQL, served by the REST API. */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DownloadLimits, InboundAttachment, InboundMessage } from '../../src/core/model.js';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/gateway.js';

const MAX_BYTES = 2 * 1024 * 1024;

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway({ BOT_ENABLED: 'false', ATTACHMENT_MAX_BYTES: String(MAX_BYTES) });
});
afterAll(async () => {
  await t?.stop();
});

function message(attachments: InboundAttachment[], extra: Partial<InboundMessage> = {}): InboundMessage {
  const chatId = randomUUID();
  return { channel: 'telegram', chatId, messageId: `${chatId}:1`, from: { id: `u-${chatId}`, name: 'Olga' }, text: 'see attached', attachments, ...extra };
}

interface AttachmentView {
  kind: string;
  url?: string;
  size?: number;
  mimeType?: string;
  name?: string;
  data?: Record<string, unknown>;
  error?: string;
  download?: unknown;
}

async function attachmentsOf(ticketNumber: number): Promise<AttachmentView[]> {
  const res = await t.api('GET', `/tickets/${ticketNumber}`);
  expect(res.status).toBe(200);
  const ticket = (await res.json()) as { messages: Array<{ attachments: AttachmentView[] }> };
  return ticket.messages[0]!.attachments;
}

/** GETs a stored file's url (as the ticket view gives it) with the admin token. */
function fetchFile(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${t.baseUrl}${url}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...headers } });
}

describe('attachments', () => {
  it('downloads a file, keeps it, and serves the same bytes through the REST API', async () => {
    // Over one read chunk (1 MB), so serving takes several queries.
    const bytes = randomBytes(1536 * 1024);
    let limits: DownloadLimits | undefined;
    const result = await t.gateway.pipeline.ingest(
      message([
        {
          kind: 'document',
          mimeType: 'application/pdf',
          name: 'счёт "март".pdf',
          data: { fileId: 'F-1' },
          download: async (l) => {
            limits = l;
            return { data: bytes };
          },
        },
      ]),
    );
    expect(limits?.maxBytes).toBe(MAX_BYTES);
    expect(limits?.signal).toBeInstanceOf(AbortSignal);

    const [att] = await attachmentsOf(result.ticketNumber);
    expect(att).toMatchObject({ kind: 'document', mimeType: 'application/pdf', name: 'счёт "март".pdf', size: bytes.length, data: { fileId: 'F-1' } });
    expect(att!.url).toMatch(/^\/api\/v1\/files\/[0-9a-f-]{36}$/);
    expect(att).not.toHaveProperty('error');
    expect(att).not.toHaveProperty('download');

    const res = await fetchFile(att!.url!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-length')).toBe(String(bytes.length));
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="____ ______.pdf"; filename*=UTF-8''${encodeURIComponent('счёт "март".pdf')}`,
    );
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);

    // The hash is a strong validator: a client that has the file gets a 304. (An explicit
    // Cache-Control, or fetch adds `no-cache` to a conditional request, which rightly forbids it.)
    const again = await fetchFile(att!.url!, { 'if-none-match': res.headers.get('etag')!, 'cache-control': 'max-age=0' });
    expect(again.status).toBe(304);
  });

  it('serves a file only with the token, and 404 for one that does not exist', async () => {
    const result = await t.gateway.pipeline.ingest(message([{ kind: 'photo', mimeType: 'image/jpeg', download: async () => ({ data: Buffer.from('jpeg') }) }]));
    const [att] = await attachmentsOf(result.ticketNumber);
    expect((await fetch(`${t.baseUrl}${att!.url}`)).status).toBe(401);
    expect((await fetchFile(`/api/v1/files/${randomUUID()}`)).status).toBe(404);
    expect((await fetchFile('/api/v1/files/not-a-uuid')).status).toBe(404);
    // No name from the platform: a generic one, still a download.
    expect((await fetchFile(att!.url!)).headers.get('content-disposition')).toMatch(/^attachment; filename="file-[0-9a-f-]{36}"/);
  });

  it('never lets a stored file run as a page on the desk origin', async () => {
    const result = await t.gateway.pipeline.ingest(
      message([{ kind: 'document', mimeType: 'text/html', name: '../../index.html', download: async () => ({ data: Buffer.from('<script>alert(1)</script>') }) }]),
    );
    const [att] = await attachmentsOf(result.ticketNumber);
    expect(att!.name).toBe('index.html');
    const res = await fetchFile(att!.url!);
    expect(res.headers.get('content-type')).toBe('text/html');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain('sandbox');
  });

  it('keeps the message when a download fails, with the platform reference and the error', async () => {
    const result = await t.gateway.pipeline.ingest(
      message([
        { kind: 'voice', mimeType: 'audio/ogg', size: 1234, data: { fileId: 'F-lost' }, download: () => Promise.reject(new Error('telegram answered 502')) },
        { kind: 'location', data: { latitude: 55.75, longitude: 37.62 } },
      ]),
    );
    expect(result.duplicate).toBe(false);
    const [voice, location] = await attachmentsOf(result.ticketNumber);
    expect(voice).toMatchObject({ kind: 'voice', mimeType: 'audio/ogg', size: 1234, data: { fileId: 'F-lost' } });
    expect(voice!.error).toContain('telegram answered 502');
    expect(voice).not.toHaveProperty('url');
    expect(location).toEqual({ kind: 'location', data: { latitude: 55.75, longitude: 37.62 } });
  });

  it('keeps a file over ATTACHMENT_MAX_BYTES as a reference only', async () => {
    const before = await t.gateway.db.storedFile.count();
    let downloads = 0;
    const result = await t.gateway.pipeline.ingest(
      message([
        // The platform says it is too large: not even fetched.
        { kind: 'video', size: MAX_BYTES + 1, data: { fileId: 'F-big' }, download: async () => ((downloads += 1), { data: Buffer.alloc(1) }) },
        // The size was not known in advance: fetched, found too large, dropped.
        { kind: 'document', name: 'dump.bin', data: { fileId: 'F-big2' }, download: async () => ({ data: Buffer.alloc(MAX_BYTES + 1) }) },
      ]),
    );
    expect(downloads).toBe(0);
    const [video, doc] = await attachmentsOf(result.ticketNumber);
    for (const att of [video, doc]) {
      expect(att).not.toHaveProperty('url');
      expect(att!.error).toContain('ATTACHMENT_MAX_BYTES');
    }
    expect(video).toMatchObject({ size: MAX_BYTES + 1, data: { fileId: 'F-big' } });
    expect(doc).toMatchObject({ name: 'dump.bin', size: MAX_BYTES + 1, data: { fileId: 'F-big2' } });
    expect(await t.gateway.db.storedFile.count()).toBe(before);
  });

  it('does not fetch the files of a redelivered message again', async () => {
    let downloads = 0;
    const msg = message([{ kind: 'photo', download: async () => ((downloads += 1), { data: Buffer.from('png'), mimeType: 'image/png' }) }]);
    const first = await t.gateway.pipeline.ingest(msg);
    const second = await t.gateway.pipeline.ingest({ ...msg });
    expect(second).toMatchObject({ duplicate: true, messageId: first.messageId });
    expect(downloads).toBe(1);
  });

  it('keeps one copy of the files when a message is delivered twice at once', async () => {
    const before = await t.gateway.db.storedFile.count();
    const msg = message([{ kind: 'photo', download: async () => ({ data: randomBytes(64), mimeType: 'image/png' }) }]);
    const results = await Promise.all([t.gateway.pipeline.ingest(msg), t.gateway.pipeline.ingest({ ...msg }), t.gateway.pipeline.ingest({ ...msg })]);
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    // The losers' copies are deleted: only the stored message's file is left.
    expect(await t.gateway.db.storedFile.count()).toBe(before + 1);
    const [att] = await attachmentsOf(results[0]!.ticketNumber);
    expect((await fetchFile(att!.url!)).status).toBe(200);
  });
});
