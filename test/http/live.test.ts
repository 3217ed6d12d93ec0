/**
 * GET /api/v1/live (src/http/live.ts): the console's stream of what changed. Two instances share
 * the database and Redis, as in production: a stream open on one hears about a ticket the other
 * took in, and about the delivery of a reply, without content; only signed-in agents (or the
 * token) may listen.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, signIn } from '../console/support.js';
import { ADMIN_TOKEN, eventually, startTestGateway, type TestGateway } from '../support/gateway.js';

interface Frame {
  event: string;
  data: string;
}

/** Reads a server-sent event stream into `frames` until closed. */
async function openStream(url: string, headers: Record<string, string>): Promise<{ status: number; type: string | null; frames: Frame[]; close(): void }> {
  const abort = new AbortController();
  const res = await fetch(url, { headers, signal: abort.signal });
  const frames: Frame[] = [];
  if (res.ok && res.body) {
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    void (async () => {
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }));
        if (done) return;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const lines = buffer.slice(0, end).split('\n');
          buffer = buffer.slice(end + 2);
          const field = (name: string) => lines.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
          const event = field('event');
          if (event) frames.push({ event, data: field('data') ?? '' });
        }
      }
    })();
  }
  return { status: res.status, type: res.headers.get('content-type'), frames, close: () => abort.abort() };
}

let a: TestGateway;
let b: TestGateway;

beforeAll(async () => {
  a = await startTestGateway();
  b = await startTestGateway({}, { databaseUrl: a.databaseUrl, redisPrefix: a.redisPrefix });
});

afterAll(async () => {
  await b?.stop();
  await a?.stop();
});

const changes = (frames: Frame[]) => frames.filter((f) => f.event === 'change').map((f) => JSON.parse(f.data) as { tickets: number[]; messages: string[] });

describe('the live stream', () => {
  it("tells a stream on one instance of a ticket the other took in, and of its reply's delivery, naming no content", async () => {
    const stream = await openStream(`${b.baseUrl}/api/v1/live`, { authorization: `Bearer ${ADMIN_TOKEN}` });
    try {
      expect(stream.status).toBe(200);
      expect(stream.type).toContain('text/event-stream');
      const chatId = `chat-${randomUUID()}`;
      const res = await a.inbound({ chatId, messageId: randomUUID(), from: { id: chatId, name: 'Vera' }, text: 'Where is my parcel number 4471?' });
      const number = ((await res.json()) as { ticketNumber: number }).ticketNumber;
      await eventually(() => changes(stream.frames).some((c) => c.tickets.includes(number)), 5000, 'the new ticket on the other instance');
      expect(stream.frames.map((f) => f.data).join('\n')).not.toContain('parcel');

      const reply = await a.api('POST', `/tickets/${number}/messages`, { text: 'It left the warehouse today.' });
      const { messageId } = (await reply.json()) as { messageId: string };
      await eventually(() => changes(stream.frames).some((c) => c.messages.includes(messageId)), 10_000, "the reply's delivery");
      // A burst (the reply's message, status and delivery events) comes as a few batches, not one frame per event.
      expect(changes(stream.frames).length).toBeLessThan(10);
    } finally {
      stream.close();
    }
  });

  it('is for agents and admins: no session is a 401, a viewer a 403, an agent listens', async () => {
    expect((await openStream(`${a.baseUrl}/api/v1/live`, {})).status).toBe(401);
    const viewerPassword = await addUser(a, 'viewer-live@example.com', 'viewer');
    const viewer = await signIn(a, 'viewer-live@example.com', viewerPassword);
    expect((await openStream(`${a.baseUrl}/api/v1/live`, { cookie: viewer.cookie })).status).toBe(403);
    const agentPassword = await addUser(a, 'agent-live@example.com', 'agent');
    const agent = await signIn(a, 'agent-live@example.com', agentPassword);
    const stream = await openStream(`${a.baseUrl}/api/v1/live`, { cookie: agent.cookie });
    try {
      expect(stream.status).toBe(200);
      const chatId = `chat-${randomUUID()}`;
      const res = await b.inbound({ chatId, messageId: randomUUID(), from: { id: chatId, name: 'Oleg' }, text: 'Hello' });
      const number = ((await res.json()) as { ticketNumber: number }).ticketNumber;
      await eventually(() => changes(stream.frames).some((c) => c.tickets.includes(number)), 5000, 'the change');
    } finally {
      stream.close();
    }
  });
});
