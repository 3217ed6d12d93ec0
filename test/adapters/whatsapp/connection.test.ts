/**
 * The WhatsApp session's life: the QR login (terminal and the admin route), reconnecting with
 * backoff after a disconnect or an authentication failure, and never blocking or crashing.
 * No database: the adapter hands messages to a recording sink.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import type { InboundSink } from '../../../src/adapters/adapter.js';
import { WhatsAppAdapter, type WhatsAppAdapterOptions } from '../../../src/adapters/whatsapp/adapter.js';
import { renderQrText } from '../../../src/adapters/whatsapp/qr-render.js';
import { requireBearer } from '../../../src/http/auth.js';
import { errorHandler } from '../../../src/http/errors.js';
import { createLogger } from '../../../src/logger.js';
import type { IngestResult } from '../../../src/core/inbound.js';
import type { InboundEdit, InboundMessage } from '../../../src/core/model.js';
import { eventually } from '../../support/gateway.js';
import { customerMessage, FakeWhatsApp, newChatId } from './fake.js';

const log = createLogger('silent');
const TOKEN = 'admin-token-for-qr';

class RecordingSink implements InboundSink {
  readonly messages: InboundMessage[] = [];
  readonly edits: InboundEdit[] = [];
  failures = 0;

  async ingest(message: InboundMessage): Promise<IngestResult> {
    if (this.failures > 0) {
      this.failures--;
      throw new Error('connection terminated unexpectedly');
    }
    this.messages.push(message);
    return { ticketId: 't', ticketNumber: 1, conversationId: 'c', messageId: 'm', duplicate: false, ticketCreated: true };
  }

  async edit(edit: InboundEdit): Promise<boolean> {
    this.edits.push(edit);
    return true;
  }
}

const running: WhatsAppAdapter[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((a) => a.stop()));
});

function adapterWith(wa: FakeWhatsApp, options: Partial<WhatsAppAdapterOptions> = {}): { adapter: WhatsAppAdapter; sink: RecordingSink; printed: string[] } {
  const sink = new RecordingSink();
  const printed: string[] = [];
  const adapter = new WhatsAppAdapter({
    enabled: true,
    driver: async () => wa,
    sink,
    log,
    requireAdmin: requireBearer(TOKEN),
    reconnect: { initialBackoffMs: 40, maxBackoffMs: 400 },
    ingestRetry: { attempts: 3, initialDelayMs: 10 },
    printQr: (text) => printed.push(text),
    ...options,
  });
  running.push(adapter);
  return { adapter, sink, printed };
}

/** Serves the adapter's router as app.ts mounts it, with the API's error handler. */
async function serve(adapter: WhatsAppAdapter): Promise<{ url: string; close: () => Promise<void> }> {
  const app = express();
  app.use(adapter.router);
  app.use(errorHandler(log));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/api/v1/channels/whatsapp/qr`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('WhatsApp login by QR code', () => {
  it('prints the QR code in the terminal and serves it to the admin, behind the bearer token', async () => {
    const wa = new FakeWhatsApp();
    wa.startModes = ['qr'];
    const { adapter, printed } = adapterWith(wa);
    const http = await serve(adapter);
    try {
      await adapter.start();
      expect((await fetch(http.url)).status).toBe(401);
      expect((await fetch(http.url, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);

      await eventually(() => adapter.qr());
      expect(adapter.status()).toMatchObject({ state: 'connecting', detail: 'waiting for the QR code to be scanned' });
      // The terminal drawing: half blocks, as wide as the symbol and its quiet zone.
      await eventually(() => printed.length > 0, 3000, 'the QR code in the terminal');
      expect(printed).toHaveLength(1);
      // eslint-disable-next-line no-control-regex -- ANSI colour codes
      const lines = printed[0]!.replace(/\x1b\[[\d;]*m/g, '').split('\n').filter((l) => l !== '');
      expect(lines.length).toBeGreaterThan(10);
      expect(new Set(lines.map((l) => [...l].length)).size).toBe(1);
      expect(lines.join('')).toMatch(/^[█▀▄ ]+$/);
      expect(printed[0]).toBe(await renderQrText(adapter.qr()!.qr, { ansi: process.stderr.isTTY === true }));

      const auth = { authorization: `Bearer ${TOKEN}` };
      const svg = await fetch(http.url, { headers: auth });
      expect(svg.status).toBe(200);
      expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
      expect(svg.headers.get('cache-control')).toBe('no-store');
      const image = await svg.text();
      // A square image: a light background, then the dark modules as one path starting with the
      // top-left finder's top edge (7 modules, inside the 4-module quiet zone).
      expect(image).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="512" height="512" viewBox="0 0 (\d+) \1" [^>]*><path fill="#ffffff" d="M0 0h\1v\1H0z"\/><path stroke="#000000" d="M4 4\.5h7m[^"]+"\/><\/svg>\n$/);

      const json = (await (await fetch(`${http.url}?format=json`, { headers: auth })).json()) as { qr: string; status: { state: string }; svg: string };
      expect(json.qr).toMatch(/^2@fake-qr-1,/);
      expect(json.qr).toBe(adapter.qr()!.qr);
      expect(json.status.state).toBe('connecting');
      expect(json.svg).toBe(image);
      const text = await fetch(`${http.url}?format=text`, { headers: auth });
      expect(text.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await text.text()).toBe(`${await renderQrText(json.qr)}\n`);
      expect((await fetch(`${http.url}?format=gif`, { headers: auth })).status).toBe(400);

      // Scanned: nothing left to show.
      wa.current.emit('ready');
      expect(adapter.status().state).toBe('connected');
      const after = await fetch(http.url, { headers: auth });
      expect(after.status).toBe(404);
      expect(await after.json()).toEqual({ error: 'no_qr', message: 'WhatsApp is connected: there is nothing to scan' });
    } finally {
      await http.close();
    }
  });

  it('is off when not enabled: no client, and the route says how to turn it on', async () => {
    const wa = new FakeWhatsApp();
    const { adapter } = adapterWith(wa, { enabled: false });
    const http = await serve(adapter);
    try {
      await adapter.start();
      expect(wa.clients).toHaveLength(0);
      expect(adapter.status()).toMatchObject({ state: 'off', detail: 'WHATSAPP_ENABLED is not true' });
      const res = await fetch(http.url, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { message: string }).message).toMatch(/WHATSAPP_ENABLED=true/);
    } finally {
      await http.close();
    }
  });
});

describe('WhatsApp reconnection', () => {
  it('starts in the background: start() returns before WhatsApp Web is up', async () => {
    const wa = new FakeWhatsApp();
    wa.startModes = ['manual'];
    const { adapter } = adapterWith(wa);
    await adapter.start();
    expect(adapter.status()).toMatchObject({ state: 'connecting' });
    expect(adapter.connection.connectedClient()).toBeUndefined();
  });

  it('reconnects after a disconnect with a new client, and takes messages again', async () => {
    const wa = new FakeWhatsApp();
    const { adapter, sink } = adapterWith(wa);
    await adapter.start();
    await adapter.connection.whenConnected();
    const first = wa.current;

    first.disconnect('NAVIGATION');
    expect(adapter.status()).toMatchObject({ state: 'disconnected', lastError: 'disconnected: NAVIGATION' });
    expect(first.destroyed).toBe(true);
    await eventually(() => adapter.status().state === 'connected', 3000, 'reconnected');
    expect(wa.clients).toHaveLength(2);
    // Still reported: the error that caused the reconnect.
    expect(adapter.status().lastError).toBe('disconnected: NAVIGATION');

    // The old client is detached: its late events change nothing.
    first.emit('message', customerMessage(newChatId(), { body: 'from a dead session' }));
    const chat = newChatId();
    wa.current.receive(customerMessage(chat, { body: 'hello again' }));
    await adapter.idle();
    expect(sink.messages.map((m) => m.text)).toEqual(['hello again']);
  });

  it('backs off exponentially while WhatsApp Web cannot start, and reports the error', async () => {
    const wa = new FakeWhatsApp();
    wa.startModes = ['fail', 'fail', 'fail', 'ready'];
    const { adapter } = adapterWith(wa, { reconnect: { initialBackoffMs: 60, maxBackoffMs: 1000 } });
    const created: number[] = [];
    const original = wa.createClient.bind(wa);
    wa.createClient = () => {
      created.push(Date.now());
      return original();
    };
    await adapter.start();
    await eventually(() => adapter.status().lastError, 2000);
    expect(adapter.status()).toMatchObject({ state: 'error', lastError: 'cannot start WhatsApp Web: net::ERR_NAME_NOT_RESOLVED at https://web.whatsapp.com/' });
    await eventually(() => adapter.status().state === 'connected', 5000, 'connected at last');
    expect(created).toHaveLength(4);
    const gaps = created.slice(1).map((t, i) => t - created[i]!);
    // 60, 120, 240 ms, each less at most 20 % jitter (a busy machine only adds to them).
    expect(gaps[0]).toBeGreaterThanOrEqual(47);
    expect(gaps[1]).toBeGreaterThanOrEqual(95);
    expect(gaps[2]).toBeGreaterThanOrEqual(191);
  });

  it('treats an authentication failure as an error and starts over with a new QR code', async () => {
    const wa = new FakeWhatsApp();
    wa.startModes = ['ready', 'qr'];
    const { adapter } = adapterWith(wa);
    await adapter.start();
    await adapter.connection.whenConnected();
    wa.current.emit('auth_failure', 'session expired');
    expect(adapter.status()).toMatchObject({ state: 'error', lastError: 'authentication failed: session expired' });
    await eventually(() => adapter.qr(), 3000, 'a new QR code');
    expect(adapter.qr()!.qr).toMatch(/^2@fake-qr-2,/);
  });

  it('retries a message the core could not take, and never lets a handler error escape', async () => {
    const wa = new FakeWhatsApp();
    const { adapter, sink } = adapterWith(wa);
    await adapter.start();
    await adapter.connection.whenConnected();
    sink.failures = 2; // the database blinks twice
    wa.current.receive(customerMessage(newChatId(), { body: 'are you there?' }));
    await adapter.idle();
    expect(sink.messages.map((m) => m.text)).toEqual(['are you there?']);

    sink.failures = 10; // down for longer than the retries: logged, the process carries on
    wa.current.receive(customerMessage(newChatId(), { body: 'lost' }));
    await adapter.idle();
    expect(sink.messages).toHaveLength(1);

    // A profile that cannot be read does not cost the message.
    sink.failures = 0;
    const broken = customerMessage(newChatId(), { body: 'x' });
    broken.getContact = () => Promise.reject(new Error('page crashed'));
    wa.current.receive(broken);
    await adapter.idle();
    expect(sink.messages.map((m) => m.text)).toEqual(['are you there?', 'x']);
    expect(sink.messages[1]!.from).toEqual({ id: broken.from, phone: `+${broken.from.split('@')[0]}` });
  });
});
