/**
 * The VK adapter's reliability, with a sink we control (no database): what VK hears when the core
 * cannot take an event, how long polling retries a batch, and the adapter's status per mode.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { InboundSink } from '../../../src/adapters/adapter.js';
import { VkAdapter, type VkAdapterOptions } from '../../../src/adapters/vk/adapter.js';
import type { VkSettings } from '../../../src/adapters/vk/settings.js';
import type { InboundEdit, InboundMessage } from '../../../src/core/model.js';
import { createLogger } from '../../../src/logger.js';
import { eventually } from '../../support/gateway.js';
import { FakeVk, postCallback } from './fakeVk.js';

const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
const SECRET = 'unit-secret';

/** Records what reaches the core; `failures` makes the next calls throw (the database is down). */
class RecordingSink implements InboundSink {
  readonly messages: InboundMessage[] = [];
  readonly edits: InboundEdit[] = [];
  failures = 0;
  delayMs = 0;

  async ingest(message: InboundMessage) {
    await this.pause();
    const duplicate = this.messages.some((m) => m.messageId === message.messageId);
    if (!duplicate) this.messages.push(message);
    return { ticketId: 't', ticketNumber: 1001, conversationId: 'c', messageId: 'm', duplicate, ticketCreated: !duplicate };
  }

  async edit(edit: InboundEdit) {
    await this.pause();
    this.edits.push(edit);
    return true;
  }

  private async pause(): Promise<void> {
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error('database is down');
    }
  }
}

let fake: FakeVk;
const running: Array<{ adapter: VkAdapter; server?: http.Server }> = [];

beforeAll(async () => {
  fake = await new FakeVk().start();
});
afterEach(async () => {
  for (const { adapter, server } of running.splice(0)) {
    await adapter.stop();
    server?.closeAllConnections();
    server?.close();
  }
});
afterAll(async () => {
  await fake?.close();
});

function settings(extra: Partial<VkSettings> = {}): VkSettings {
  return { token: fake.token, groupId: fake.groupId, apiBaseUrl: fake.baseUrl, timeoutMs: 2000, ...extra };
}

const FAST: Partial<VkAdapterOptions> = { minBackoffMs: 20, maxBackoffMs: 100, longPollWaitSeconds: 1 };

/** A callback-mode adapter behind a small HTTP server, as app.ts mounts it. */
async function callbackAdapter(sink: InboundSink, options: Partial<VkAdapterOptions> = {}): Promise<{ adapter: VkAdapter; url: string }> {
  const adapter = new VkAdapter(settings({ confirmation: 'conf', callbackSecret: SECRET }), { sink, log, options: { ...FAST, ...options } });
  const app = express();
  if (adapter.router) app.use(adapter.router);
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  running.push({ adapter, server });
  await adapter.start();
  return { adapter, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('VK callbacks when the core cannot take them', () => {
  it('answers 503 with Retry-After, so VK redelivers; the redelivery is stored once', async () => {
    const sink = new RecordingSink();
    const { url } = await callbackAdapter(sink);
    const update = fake.message(401, 'hello');
    sink.failures = 1;
    const first = await postCallback(url, update, SECRET);
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('5');
    expect(sink.messages).toHaveLength(0);
    const again = await postCallback(url, update, SECRET);
    expect([again.status, again.text]).toEqual([200, 'ok']);
    const third = await postCallback(url, update, SECRET);
    expect([third.status, third.text]).toEqual([200, 'ok']);
    const { conversation_message_id: cmid } = update.object.message as { conversation_message_id: number };
    expect(sink.messages.map((m) => m.messageId)).toEqual([`401_${cmid}`]);
  });

  it('a redelivered edit (same event_id) is recorded once', async () => {
    const sink = new RecordingSink();
    const { url } = await callbackAdapter(sink);
    const original = fake.message(402, 'typo');
    await postCallback(url, original, SECRET);
    const edit = fake.edit(original, 'fixed');
    for (let i = 0; i < 3; i++) expect((await postCallback(url, edit, SECRET)).text).toBe('ok');
    expect(sink.edits.map((e) => e.text)).toEqual(['fixed']);
  });

  it('a redelivery that comes while the first is still being handled is asked to come back later', async () => {
    const sink = new RecordingSink();
    sink.delayMs = 300;
    const { url } = await callbackAdapter(sink);
    const edit = fake.edit(fake.message(403, 'a'), 'b');
    const [one, two] = await Promise.all([postCallback(url, edit, SECRET), new Promise((r) => setTimeout(r, 50)).then(() => postCallback(url, edit, SECRET))]);
    expect(one.text).toBe('ok');
    expect(two.status).toBe(503);
    expect(sink.edits).toHaveLength(1);
  });

  it('a slow handler does not keep VK waiting past the budget', async () => {
    const sink = new RecordingSink();
    sink.delayMs = 600;
    const { url } = await callbackAdapter(sink, { callbackBudgetMs: 100 });
    const at = Date.now();
    const res = await postCallback(url, fake.message(404, 'slow'), SECRET);
    expect(res.text).toBe('ok');
    expect(Date.now() - at).toBeLessThan(500);
    await eventually(() => sink.messages.length === 1, 2000, 'the message');
  });

  it('ignores events it does not handle, and malformed ones, with "ok" (VK must not retry them)', async () => {
    const sink = new RecordingSink();
    const { url } = await callbackAdapter(sink);
    expect((await postCallback(url, { type: 'group_join', object: { user_id: 1 }, group_id: fake.groupId, event_id: 'e1' }, SECRET)).text).toBe('ok');
    expect((await postCallback(url, { type: 'message_new', object: { nonsense: true }, group_id: fake.groupId, event_id: 'e2' }, SECRET)).text).toBe('ok');
    expect((await postCallback(url, { type: 'message_new', object: { message: { peer_id: 5, from_id: 5, conversation_message_id: 1, out: 1, text: 'ours' } }, group_id: fake.groupId, event_id: 'e3' }, SECRET)).text).toBe('ok');
    expect(sink.messages).toEqual([]);
    const garbage = await fetch(`${url}/webhooks/vk`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[1,2]' });
    expect(garbage.status).toBe(400);
  });
});

describe('VK long polling when the core cannot take an event', () => {
  it('fetches the same batch again until the core takes it, in order, each message once', async () => {
    const sink = new RecordingSink();
    const adapter = new VkAdapter(settings(), { sink, log, options: FAST });
    running.push({ adapter });
    await adapter.start();
    await eventually(() => adapter.status().state === 'connected', 5000, 'connected');
    sink.failures = 2; // the first message fails twice
    fake.pushLongPoll(fake.message(501, 'one'));
    fake.pushLongPoll(fake.message(501, 'two'));
    await eventually(() => sink.messages.length === 2, 8000, 'both messages');
    expect(sink.messages.map((m) => m.text)).toEqual(['one', 'two']);
  });
});

describe('VK adapter status', () => {
  it('is off without a token, and its sender says why', async () => {
    const adapter = new VkAdapter(null, { sink: new RecordingSink(), log });
    await adapter.start();
    expect(adapter.status()).toMatchObject({ state: 'off', detail: 'VK_TOKEN is not set' });
    expect(adapter.router).toBeUndefined();
    await adapter.stop();
  });

  it('reports half a Callback API configuration as an error, and takes no callbacks', async () => {
    const adapter = new VkAdapter(settings({ confirmation: 'conf' }), { sink: new RecordingSink(), log });
    running.push({ adapter });
    await adapter.start();
    expect(adapter.status()).toMatchObject({ state: 'error' });
    expect(adapter.status().lastError).toMatch(/VK_CALLBACK_SECRET/);
    expect(adapter.router).toBeUndefined();
  });

  it('reports a rejected token, without blocking start', async () => {
    const adapter = new VkAdapter(settings({ token: 'wrong', confirmation: 'conf', callbackSecret: SECRET }), { sink: new RecordingSink(), log, options: FAST });
    running.push({ adapter });
    const at = Date.now();
    await adapter.start();
    expect(Date.now() - at).toBeLessThan(100);
    await eventually(() => adapter.status().state === 'error', 3000, 'the error');
    expect(adapter.status().lastError).toMatch(/Code №5/);
  });

  it('long polling with VK unreachable: disconnected, then error, never a crash; connected once VK is back', async () => {
    fake.setDown(true);
    const adapter = new VkAdapter(settings(), { sink: new RecordingSink(), log, options: FAST });
    running.push({ adapter });
    try {
      await adapter.start();
      await eventually(() => adapter.status().state === 'error', 5000, 'the error');
      expect(adapter.status().lastError).toBeTruthy();
    } finally {
      fake.setDown(false);
    }
    await eventually(() => adapter.status().state === 'connected', 5000, 'reconnection');
  });
});
