/**
 * Agents send files: a file is stored with POST /api/v1/files, a reply names it in
 * `attachments: [{ fileId }]`, and the customer's channel gets it (here the API channel's
 * webhook, whose payload carries the attachments) with its kind, name, size and url, the url
 * serving the same bytes. Real PostgreSQL, Redis and BullMQ.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, API_SECRET, eventually, startTestGateway, type TestGateway } from '../support/gateway.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver.js';

let t: TestGateway;
let hook: WebhookReceiver;
beforeAll(async () => {
  hook = await startWebhookReceiver(API_SECRET);
  t = await startTestGateway({ API_CHANNEL_WEBHOOK_URL: hook.url, BOT_ENABLED: 'false', ATTACHMENT_MAX_BYTES: '4096' });
});
afterAll(async () => {
  await t?.stop();
  await hook?.close();
});

function upload(data: Uint8Array | string, contentType: string | undefined, query = '', token = ADMIN_TOKEN): Promise<Response> {
  return fetch(`${t.baseUrl}/api/v1/files${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, ...(contentType ? { 'content-type': contentType } : {}) },
    body: typeof data === 'string' ? data : new Uint8Array(data),
  });
}

async function newTicket(): Promise<number> {
  const chatId = randomUUID();
  const res = await t.inbound({ chatId, messageId: randomUUID(), from: { id: `u-${chatId}`, name: 'Olga' }, text: 'my printer is broken' });
  return ((await res.json()) as { ticketNumber: number }).ticketNumber;
}

describe('agents send files', () => {
  it('stores an upload, and a reply carries it to the customer’s channel with kind, name, size and url', async () => {
    const pdf = Buffer.from('%PDF-1.4 the manual');
    const stored = await upload(pdf, 'application/pdf', `?name=${encodeURIComponent('Manual – printer.pdf')}`);
    expect(stored.status).toBe(201);
    const file = (await stored.json()) as { id: string; url: string; name: string; mimeType: string; size: number };
    expect(file).toMatchObject({ url: `/api/v1/files/${file.id}`, name: 'Manual – printer.pdf', mimeType: 'application/pdf', size: pdf.length });
    const png = (await (await upload(Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]), 'image/png', '?name=photo.png')).json()) as { id: string };

    const number = await newTicket();
    const res = await t.api('POST', `/tickets/${number}/messages`, { text: 'Here is the manual', attachments: [{ fileId: file.id }, { fileId: png.id }] });
    expect(res.status).toBe(201);
    const { messageId } = (await res.json()) as { messageId: string };

    const got = await eventually(() => hook.received.find((r) => r.body.messageId === messageId), 8000, 'the reply at the webhook');
    expect(got.body).toMatchObject({ text: 'Here is the manual' });
    expect(got.body.attachments).toEqual([
      { kind: 'document', mimeType: 'application/pdf', size: pdf.length, name: 'Manual – printer.pdf', url: `/api/v1/files/${file.id}` },
      { kind: 'photo', mimeType: 'image/png', size: 7, name: 'photo.png', url: `/api/v1/files/${png.id}` },
    ]);
    // The url serves the same bytes; the ticket shows the attachments too.
    const download = await fetch(`${t.baseUrl}${file.url}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(Buffer.from(await download.arrayBuffer())).toEqual(pdf);
    const ticket = (await (await t.api('GET', `/tickets/${number}`)).json()) as { messages: Array<{ id: string; attachments: unknown[] }> };
    expect(ticket.messages.find((m) => m.id === messageId)?.attachments).toHaveLength(2);
  });

  it('sends a reply that is only a file', async () => {
    const file = (await (await upload('a,b\n1,2\n', 'text/csv', '?name=report.csv')).json()) as { id: string };
    const number = await newTicket();
    const res = await t.api('POST', `/tickets/${number}/messages`, { attachments: [{ fileId: file.id }] });
    expect(res.status).toBe(201);
    const { messageId } = (await res.json()) as { messageId: string };
    const got = await eventually(() => hook.received.find((r) => r.body.messageId === messageId), 8000, 'the reply at the webhook');
    expect(got.body.attachments).toEqual([expect.objectContaining({ kind: 'document', name: 'report.csv', mimeType: 'text/csv' })]);
  });

  it('refuses an unknown file id naming the field, and stores nothing', async () => {
    const number = await newTicket();
    for (const fileId of [randomUUID(), 'not-a-uuid']) {
      const res = await t.api('POST', `/tickets/${number}/messages`, { text: 'see attached', attachments: [{ fileId }] });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'invalid_request', field: 'attachments.0.fileId' });
    }
    const bad = await t.api('POST', `/tickets/${number}/messages`, { text: 'see attached', attachments: [{ id: 'x' }] });
    expect(bad.status).toBe(400);
    const ticket = (await (await t.api('GET', `/tickets/${number}`)).json()) as { messages: Array<{ text: string }> };
    expect(ticket.messages.map((m) => m.text)).toEqual(['my printer is broken']);
    const empty = await t.api('POST', `/tickets/${number}/messages`, { text: ' ', attachments: [] });
    expect(await empty.json()).toMatchObject({ field: 'text' });
  });

  it('uploads: bearer required, over ATTACHMENT_MAX_BYTES is 413, an empty body is 400, a JSON file is kept as is', async () => {
    expect((await upload('x', 'text/plain', '', 'wrong-token')).status).toBe(401);
    const big = await upload(Buffer.alloc(4097), 'application/octet-stream');
    expect(big.status).toBe(413);
    expect(((await big.json()) as { message: string }).message).toContain('ATTACHMENT_MAX_BYTES');
    expect((await upload(Buffer.alloc(0), 'text/plain')).status).toBe(400);
    const json = await upload('{"a":1}', 'application/json', '?name=data.json');
    expect(json.status).toBe(201);
    const { url } = (await json.json()) as { url: string };
    const back = await fetch(`${t.baseUrl}${url}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(await back.text()).toBe('{"a":1}');
    // Without a type it is stored as application/octet-stream.
    const bare = (await (await upload(Buffer.from('raw'), undefined)).json()) as { mimeType: string };
    expect(bare.mimeType).toBe('application/octet-stream');
  });
});
