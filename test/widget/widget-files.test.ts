/**
 * Files in the web widget, on real PostgreSQL and Redis and a real WebSocket: a visitor uploads
 * a file and sends it with a message (agents then have it like any customer's file); an agent's
 * file reaches the visitor live and in the history; each visitor downloads only the files of
 * their own chat, and cannot attach someone else's upload.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ADMIN_TOKEN, eventually, startTestGateway, type TestGateway } from '../support/gateway.js';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway({ BOT_ENABLED: 'false', ATTACHMENT_MAX_BYTES: '4096' });
  expect((await t.api('POST', '/agents', { handle: 'lena', name: 'Lena' })).status).toBe(201);
});
afterAll(async () => {
  await t?.stop();
});

interface WidgetFile {
  id: string;
  kind: string;
  name: string | null;
  mimeType: string | null;
  size: number | null;
}
interface Frame {
  type: string;
  error?: string;
  clientId?: string;
  ticketNumber?: number;
  message?: { author: { kind: string }; text: string; attachments?: WidgetFile[] };
  messages?: Array<{ direction: string; text: string; attachments?: WidgetFile[] }>;
}

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

async function visitor() {
  const session = (await (await fetch(`${t.baseUrl}/widget/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json()) as { token: string };
  const token = session.token;
  const ws = new WebSocket(`${t.baseUrl.replace(/^http/, 'ws')}/widget/ws?token=${encodeURIComponent(token)}`);
  const frames: Frame[] = [];
  ws.on('message', (data) => frames.push(JSON.parse(data.toString()) as Frame));
  await eventually(() => frames.some((f) => f.type === 'hello'), 5000, 'hello');
  const send = (frame: Record<string, unknown>) => {
    const clientId = randomUUID();
    ws.send(JSON.stringify({ clientId, ...frame }));
    return clientId;
  };
  const upload = (data: Buffer | string, type: string, name: string, as = token) =>
    fetch(`${t.baseUrl}/widget/files?token=${encodeURIComponent(as)}&name=${encodeURIComponent(name)}`, { method: 'POST', headers: { 'content-type': type }, body: typeof data === 'string' ? data : new Uint8Array(data) });
  const ref = async (data: Buffer | string, type: string, name: string) => {
    const res = await upload(data, type, name);
    expect(res.status).toBe(201);
    return ((await res.json()) as { file: string }).file;
  };
  const download = (id: string, as = token) => fetch(`${t.baseUrl}/widget/files/${id}?token=${encodeURIComponent(as)}`);
  const reply = (clientId: string) => eventually(() => frames.find((f) => f.clientId === clientId && (f.type === 'ack' || f.type === 'error')), 5000, `answer to ${clientId}`);
  return { ws, token, frames, send, upload, ref, download, reply };
}

async function start(v: Awaited<ReturnType<typeof visitor>>): Promise<number> {
  const ack = await v.reply(v.send({ type: 'start', name: 'Pavel', email: 'pavel@example.com', text: 'The app crashes on checkout', lang: 'en' }));
  expect(ack.type).toBe('ack');
  return ack.ticketNumber!;
}

describe('a visitor sends files', () => {
  it('uploads a screenshot and a log, sends them with a message, and the ticket has both as stored files', async () => {
    const v = await visitor();
    const number = await start(v);
    const shot = await v.ref(PNG, 'image/png', 'screen shot.png');
    const log = await v.ref('TypeError: cart is undefined', 'text/plain', 'console.log');
    const ack = await v.reply(v.send({ type: 'message', text: 'Here is what I see', files: [shot, log] }));
    expect(ack.type).toBe('ack');

    const stored = await t.gateway.db.message.findMany({ where: { ticket: { number }, direction: 'inbound' }, orderBy: { seq: 'asc' } });
    const attachments = stored[1]!.attachments as Array<{ kind: string; name: string; mimeType: string; size: number; url: string }>;
    expect(attachments.map(({ kind, name, mimeType, size }) => ({ kind, name, mimeType, size }))).toEqual([
      { kind: 'photo', name: 'screen shot.png', mimeType: 'image/png', size: PNG.length },
      { kind: 'document', name: 'console.log', mimeType: 'text/plain', size: 28 },
    ]);
    // Agents open them through the REST API, byte for byte.
    const res = await fetch(`${t.baseUrl}${attachments[0]!.url}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(Buffer.from(await res.arrayBuffer())).toEqual(PNG);
    // And the visitor, from their own chat.
    const id = attachments[1]!.url.split('/').pop()!;
    const own = await v.download(id);
    expect(own.status).toBe(200);
    expect(await own.text()).toBe('TypeError: cart is undefined');
    expect(own.headers.get('content-security-policy')).toContain('sandbox');
    v.ws.close();
  });

  it('sends a file with no text', async () => {
    const v = await visitor();
    const number = await start(v);
    const ack = await v.reply(v.send({ type: 'message', text: '', files: [await v.ref(PNG, 'image/png', 'only.png')] }));
    expect(ack.type).toBe('ack');
    const last = await t.gateway.db.message.findFirstOrThrow({ where: { ticket: { number } }, orderBy: { seq: 'desc' } });
    expect(last.text).toBe('');
    expect((last.attachments as Array<{ name: string }>)[0]?.name).toBe('only.png');
    v.ws.close();
  });

  it('refuses an empty message, another visitor\'s upload and a forged reference, with nothing stored', async () => {
    const v = await visitor();
    const other = await visitor();
    const number = await start(v);
    const theirs = await other.ref('secret plans', 'text/plain', 'plans.txt');
    expect(await v.reply(v.send({ type: 'message', text: '   ' }))).toMatchObject({ type: 'error', error: 'invalid text' });
    expect(await v.reply(v.send({ type: 'message', text: 'look', files: [theirs] }))).toMatchObject({ type: 'error', error: 'invalid files' });
    const forged = `${theirs.split('.')[0]}.${'A'.repeat(43)}`;
    expect(await v.reply(v.send({ type: 'message', text: 'look', files: [forged] }))).toMatchObject({ type: 'error', error: 'invalid files' });
    expect(await t.gateway.db.message.count({ where: { ticket: { number } } })).toBe(1);
    v.ws.close();
    other.ws.close();
  });

  it('refuses an upload without a valid token, an empty one and one over ATTACHMENT_MAX_BYTES', async () => {
    const v = await visitor();
    expect((await v.upload('x', 'text/plain', 'a.txt', 'not-a-token')).status).toBe(401);
    expect((await v.upload('', 'text/plain', 'a.txt')).status).toBe(400);
    const big = await v.upload(Buffer.alloc(5000, 1), 'application/octet-stream', 'big.bin');
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: string }).error).toBe('payload_too_large');
    v.ws.close();
  });
});

describe('upload limits', () => {
  it('refuses a visitor\'s 21st file within the hour with 429 and Retry-After, and another visitor may still upload', async () => {
    const v = await visitor();
    for (let i = 1; i <= 20; i++) expect((await v.upload(`file ${i}`, 'text/plain', `f${i}.txt`)).status).toBe(201);
    const refused = await v.upload('one too many', 'text/plain', 'f21.txt');
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: string }).error).toBe('too_many_uploads');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(3500);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    const other = await visitor();
    expect((await other.upload('mine', 'text/plain', 'mine.txt')).status).toBe(201);
    v.ws.close();
    other.ws.close();
  });
});

describe('an agent sends a file to a widget visitor', () => {
  it('reaches the open widget and the history; only that visitor can download it, and never a note\'s file', async () => {
    const v = await visitor();
    const number = await start(v);
    const upload = async (body: string, name: string) =>
      ((await (await fetch(`${t.baseUrl}/api/v1/files?name=${name}`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/pdf' }, body })).json()) as { id: string }).id;
    const invoice = await upload('%PDF invoice', 'invoice.pdf');
    const internal = await upload('%PDF internal', 'internal.pdf');
    expect((await t.api('POST', `/tickets/${number}/messages`, { text: 'Your invoice', agent: 'lena', attachments: [{ fileId: invoice }] })).status).toBe(201);
    expect((await t.api('POST', `/tickets/${number}/messages`, { text: 'for us only', internal: true, agent: 'lena', attachments: [{ fileId: internal }] })).status).toBe(201);

    const live = await eventually(() => v.frames.find((f) => f.type === 'message' && f.message?.text === 'Your invoice')?.message, 8000, 'the reply in the widget');
    expect(live.attachments).toEqual([{ id: invoice, kind: 'document', name: 'invoice.pdf', mimeType: 'application/pdf', size: 12 }]);
    const res = await v.download(invoice);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('%PDF invoice');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');

    // Another visitor, no token, an internal note's file, an unknown id: all the same 401/404, revealing nothing.
    const stranger = await visitor();
    expect((await v.download(invoice, stranger.token)).status).toBe(404);
    expect((await fetch(`${t.baseUrl}/widget/files/${invoice}`)).status).toBe(401);
    expect((await v.download(internal)).status).toBe(404);
    expect((await v.download(randomUUID())).status).toBe(404);

    // After a reload: the history carries the file too.
    const again = new WebSocket(`${t.baseUrl.replace(/^http/, 'ws')}/widget/ws?token=${encodeURIComponent(v.token)}`);
    const hello = await new Promise<Frame>((resolve) => again.once('message', (data) => resolve(JSON.parse(data.toString()) as Frame)));
    expect(hello.messages?.find((m) => m.text === 'Your invoice')?.attachments?.[0]).toMatchObject({ id: invoice, name: 'invoice.pdf' });
    again.close();
    v.ws.close();
    stranger.ws.close();
  });
});
