/**
 * Messenger adapters plugged in through the gateway's wiring (app.ts): their senders deliver,
 * their webhooks get raw bodies, their sink reaches the pipeline, and their status shows in
 * /healthz and GET /api/v1/channels. A failing or hanging start never holds up the gateway.
 */
import { randomUUID } from 'node:crypto';
import express, { Router } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboundSink } from '../../src/adapters/adapter.js';
import { FakeAdapter, RecordingSender, type SentMessage } from '../support/fakeAdapter.js';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js';

const sent: SentMessage[] = [];
let t: TestGateway;
let telegram: FakeAdapter;
let vk: FakeAdapter;
let whatsapp: FakeAdapter;

/** A webhook as adapters write them: the body parser is the route's own, and it sees raw bytes. */
function webhook(sink: () => InboundSink): Router {
  const router = Router();
  router.post('/webhooks/fake', express.raw({ type: () => true }), async (req, res) => {
    if (!Buffer.isBuffer(req.body)) {
      res.status(500).json({ error: 'the body was parsed before the adapter saw it' });
      return;
    }
    const update = JSON.parse(req.body.toString('utf8')) as { chatId: string; messageId: string; text: string; edit?: boolean };
    if (update.edit) {
      res.json({ known: await sink().edit({ channel: 'telegram', chatId: update.chatId, messageId: update.messageId, text: update.text }) });
      return;
    }
    const result = await sink().ingest({ channel: 'telegram', chatId: update.chatId, messageId: update.messageId, from: { id: update.chatId, name: 'Pavel' }, text: update.text });
    res.json({ ticketNumber: result.ticketNumber });
  });
  return router;
}

beforeAll(async () => {
  let sink: InboundSink | undefined;
  t = await startTestGateway(
    { BOT_ENABLED: 'false' },
    {
      adapters: (deps) => {
        sink = deps.sink;
        telegram = new FakeAdapter('telegram', new RecordingSender('telegram', sent), webhook(() => sink!));
        vk = new FakeAdapter('vk', new RecordingSender('vk', sent), undefined, { start: () => Promise.reject(new Error('VK is down')) });
        // Never finishes connecting: start-up must not wait for it.
        whatsapp = new FakeAdapter('whatsapp', new RecordingSender('whatsapp', sent), undefined, { start: () => new Promise(() => undefined) });
        return [telegram, vk, whatsapp];
      },
    },
  );
  await Promise.race([t.gateway.adapters.ready(), new Promise((r) => setTimeout(r, 1000))]);
});
afterAll(async () => {
  await t?.stop();
});

describe('channel adapters', () => {
  it('reports each adapter status in /healthz and GET /api/v1/channels, and off for channels without one', async () => {
    const health = await fetch(`${t.baseUrl}/healthz`);
    expect(health.status).toBe(200);
    const { channels } = (await health.json()) as { channels: Record<string, { state?: string; detail?: string; lastError?: string }> };
    expect(channels.telegram).toMatchObject({ state: 'connected', detail: 'fake mode' });
    expect(channels.vk).toMatchObject({ state: 'error', lastError: 'VK is down' });
    expect(channels.whatsapp).toMatchObject({ state: 'connecting' });
    expect(channels.slack).toMatchObject({ state: 'off' });
    // The built-in channels keep their own shape.
    expect(channels.api).toMatchObject({ state: 'connected' });
    expect(channels.widget).toMatchObject({ state: 'connected' });

    expect((await fetch(`${t.baseUrl}/api/v1/channels`)).status).toBe(401);
    const listed = (await (await t.api('GET', '/channels')).json()) as Record<string, { state?: string }>;
    expect(listed.telegram?.state).toBe('connected');
    expect(listed.vk?.state).toBe('error');
  });

  it('mounts webhooks before any body parser and hands updates to the pipeline through the sink', async () => {
    const chatId = randomUUID();
    const post = (body: unknown) => fetch(`${t.baseUrl}/webhooks/fake`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const res = await post({ chatId, messageId: `${chatId}:1`, text: 'where is my parcel?' });
    expect(res.status).toBe(200);
    const { ticketNumber } = (await res.json()) as { ticketNumber: number };
    expect(((await (await post({ chatId, messageId: `${chatId}:1`, text: 'where is my parcel??', edit: true })).json()) as { known: boolean }).known).toBe(true);
    expect(((await (await post({ chatId, messageId: 'unknown', text: 'x', edit: true })).json()) as { known: boolean }).known).toBe(false);

    const ticket = (await (await t.api('GET', `/tickets/${ticketNumber}`)).json()) as { channel: string; messages: Array<{ text: string; edits: unknown[] }> };
    expect(ticket.channel).toBe('telegram');
    expect(ticket.messages[0]).toMatchObject({ text: 'where is my parcel??', edits: [{ previousText: 'where is my parcel?' }] });
  });

  it("delivers agents' replies through the adapter's sender", async () => {
    const chatId = randomUUID();
    const { ticketNumber } = await t.gateway.pipeline.ingest({ channel: 'telegram', chatId, messageId: randomUUID(), from: { id: chatId }, text: 'hi' });
    const res = await t.api('POST', `/tickets/${ticketNumber}/messages`, { text: 'Hello from the desk' });
    expect(res.status).toBe(201);
    await eventually(() => sent.find((m) => m.chatId === chatId && m.text === 'Hello from the desk'), 5000, 'reply through the fake sender');
  });

  it('started every adapter once, and stops them with the gateway', async () => {
    expect([telegram.started, vk.started, whatsapp.started]).toEqual([1, 1, 1]);
    // Stopping is covered by afterAll; here, a second gateway's stop is observed directly.
    let stopped: FakeAdapter | undefined;
    const other = await startTestGateway({ BOT_ENABLED: 'false' }, { adapters: () => [(stopped = new FakeAdapter('telegram', new RecordingSender('telegram', [])))] });
    await other.stop();
    expect(stopped!.stopped).toBe(1);
  });
});
