/**
 * The operational surface on a real gateway: Prometheus metrics at /metrics (counters from the
 * domain events, queue depths, job and HTTP latencies) and structured logs whose request id
 * follows a message from the HTTP request through the core to its delivery.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { sign } from '../../src/signature.js';
import { ADMIN_TOKEN, API_SECRET, eventually, startTestGateway, type TestGateway } from '../support/gateway.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver.js';

const METRICS_TOKEN = 'test-metrics-token';
/** What the customer writes: it must never reach a log line. */
const CUSTOMER_TEXT = 'My card number is 4111-secret-words';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus' text exposition format (enough of it for these metrics). */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

/** The value of one sample (0 when absent: a counter not yet incremented). */
function valueOf(samples: Sample[], name: string, labels: Record<string, string>): number {
  const found = samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return found?.value ?? 0;
}

let t: TestGateway;
let hook: WebhookReceiver;
const lines: Array<Record<string, unknown>> = [];

async function scrape(token = ADMIN_TOKEN): Promise<Sample[]> {
  const res = await fetch(`${t.baseUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return parseMetrics(await res.text());
}

/** POSTs a signed API-channel message with a request id. */
function inbound(body: Record<string, unknown>, requestId?: string): Promise<Response> {
  const raw = JSON.stringify(body);
  return fetch(`${t.baseUrl}/api/v1/inbound`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-signature': sign(API_SECRET, raw), ...(requestId ? { 'x-request-id': requestId } : {}) },
    body: raw,
  });
}

beforeAll(async () => {
  hook = await startWebhookReceiver(API_SECRET);
  // Every line the gateway logs at info and above, parsed.
  const logger = createLogger('info', {}, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  t = await startTestGateway({ API_CHANNEL_WEBHOOK_URL: hook.url, METRICS_TOKEN, BOT_ENABLED: 'false' }, { logger });
});

afterAll(async () => {
  await t?.stop();
  await hook?.close();
});

describe('GET /metrics', () => {
  it('needs the admin token or METRICS_TOKEN', async () => {
    expect((await fetch(`${t.baseUrl}/metrics`)).status).toBe(401);
    expect((await fetch(`${t.baseUrl}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    await scrape(METRICS_TOKEN);
    await scrape(ADMIN_TOKEN);
    // METRICS_TOKEN opens nothing else.
    expect((await fetch(`${t.baseUrl}/api/v1/tickets`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status).toBe(401);
  });

  it('counts inbound messages, replies, deliveries and failures by channel, and HTTP latency by route pattern', async () => {
    const before = await scrape();
    const chatId = `metrics-${Date.now()}`;
    const sent = await inbound({ chatId, messageId: 'm-1', from: { id: 'u-1', name: 'Ivan' }, text: 'Where is my order?' });
    expect(sent.status).toBe(202);
    const { ticketNumber } = (await sent.json()) as { ticketNumber: number };
    // A redelivery of the same message is not counted again.
    expect((await inbound({ chatId, messageId: 'm-1', from: { id: 'u-1' }, text: 'Where is my order?' })).status).toBe(202);

    const reply = await t.api('POST', `/tickets/${ticketNumber}/messages`, { text: 'It ships today.' });
    expect(reply.status).toBe(201);
    await eventually(() => hook.received.some((r) => r.body.text === 'It ships today.'), 10_000, 'the reply at the webhook');
    // The next reply is refused for good by the integrator (a 400): a delivery failure.
    hook.failAlways(400);
    expect((await t.api('POST', `/tickets/${ticketNumber}/messages`, { text: 'Refused.' })).status).toBe(201);

    // The worker's "completed" event (which times the job) comes a moment after the failure is recorded.
    const grew = (samples: Sample[], name: string, labels: Record<string, string>, by: number) => valueOf(samples, name, labels) - valueOf(before, name, labels) >= by;
    const after = await eventually(async () => {
      const samples = await scrape();
      return grew(samples, 'omnidesk_delivery_failures_total', { channel: 'api' }, 1) && grew(samples, 'omnidesk_job_duration_seconds_count', { queue: 'delivery', outcome: 'completed' }, 2) && samples;
    }, 10_000, 'the failure counted and both jobs timed');
    hook.failAlways(null);
    const delta = (name: string, labels: Record<string, string>) => valueOf(after, name, labels) - valueOf(before, name, labels);
    expect(delta('omnidesk_inbound_messages_total', { channel: 'api' })).toBe(1);
    expect(delta('omnidesk_tickets_created_total', { channel: 'api' })).toBe(1);
    expect(delta('omnidesk_outbound_messages_total', { channel: 'api', author: 'agent' })).toBe(2);
    expect(delta('omnidesk_deliveries_total', { channel: 'api' })).toBe(1);
    expect(delta('omnidesk_delivery_failures_total', { channel: 'api' })).toBe(1);
    // Both delivery jobs were timed, in seconds.
    expect(delta('omnidesk_job_duration_seconds_sum', { queue: 'delivery', outcome: 'completed' })).toBeGreaterThan(0);
    // HTTP latency is labelled with the route's pattern, not the raw URL.
    expect(delta('omnidesk_http_request_duration_seconds_count', { method: 'POST', route: '/api/v1/inbound', status: '202' })).toBe(2);
    expect(delta('omnidesk_http_request_duration_seconds_count', { method: 'POST', route: '/api/v1/tickets/:number/messages', status: '201' })).toBe(2);
    expect(after.some((s) => s.name.startsWith('omnidesk_http_request_duration_seconds') && s.labels.route?.includes(String(ticketNumber)))).toBe(false);
    // Default process metrics.
    expect(after.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);
    expect(after.some((s) => s.name === 'nodejs_eventloop_lag_seconds')).toBe(true);
  });

  it('shows the depth of every BullMQ queue by state, read when scraped', async () => {
    const samples = await scrape();
    for (const queue of ['delivery', 'timers', 'webhooks']) {
      for (const state of ['waiting', 'active', 'delayed', 'failed']) {
        expect(samples.find((s) => s.name === 'omnidesk_queue_jobs' && s.labels.queue === queue && s.labels.state === state), `${queue} ${state}`).toBeDefined();
      }
    }
    // A job added now is seen by the next scrape.
    const queue = t.gateway.deliveryQueue.queue;
    await queue.add('deliver', { messageId: 'not-a-message' }, { jobId: 'metrics-probe', delay: 60_000 });
    try {
      const later = await scrape();
      expect(valueOf(later, 'omnidesk_queue_jobs', { queue: 'delivery', state: 'delayed' })).toBe(valueOf(samples, 'omnidesk_queue_jobs', { queue: 'delivery', state: 'delayed' }) + 1);
    } finally {
      await queue.remove('metrics-probe');
    }
  });
});

describe('logs', () => {
  it('echo the request id, and carry it from the request through the core to the delivery of the reply', async () => {
    const chatId = `logs-${Date.now()}`;
    const sent = await inbound({ chatId, messageId: 'm-1', from: { id: 'u-2', name: 'Olga' }, text: CUSTOMER_TEXT }, 'customer-req-1');
    expect(sent.status).toBe(202);
    expect(sent.headers.get('x-request-id')).toBe('customer-req-1');
    const { ticketNumber } = (await sent.json()) as { ticketNumber: number };

    const reply = await fetch(`${t.baseUrl}/api/v1/tickets/${ticketNumber}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', 'x-request-id': 'agent-req-7' },
      body: JSON.stringify({ text: 'Thanks, Olga: we are on it.' }),
    });
    expect(reply.status).toBe(201);
    expect(reply.headers.get('x-request-id')).toBe('agent-req-7');
    const { messageId } = (await reply.json()) as { messageId: string };

    // The access line of each request (written when the response is finished) carries its id and the route's pattern.
    const accessLine = (reqId: string) => eventually(() => lines.find((l) => l.msg === 'request' && l.reqId === reqId), 5000, `the access line of ${reqId}`);
    expect(await accessLine('customer-req-1')).toMatchObject({ route: '/api/v1/inbound', method: 'POST', status: 202, service: 'omnidesk' });
    expect(await accessLine('agent-req-7')).toMatchObject({ route: '/api/v1/tickets/:number/messages', status: 201 });
    // The delivery worker, in another async flow, logs the delivery with the agent's request id.
    const delivered = await eventually(() => lines.find((l) => l.msg === 'message delivered' && l.messageId === messageId), 10_000, 'the delivery logged');
    expect(delivered).toMatchObject({ reqId: 'agent-req-7', channel: 'api', level: 30 });
  });

  it('make up an id when none (or a bad one) is given', async () => {
    const plain = await fetch(`${t.baseUrl}/healthz`);
    expect(plain.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    // Spaces, quotes or an endless id never reach the logs: a new id replaces them.
    for (const bad of ['bad id "quoted"', 'x'.repeat(300)]) {
      const injected = await fetch(`${t.baseUrl}/healthz`, { headers: { 'x-request-id': bad } });
      expect(injected.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('keep secrets and message bodies out', () => {
    expect(lines.length).toBeGreaterThan(3);
    const all = lines.map((l) => JSON.stringify(l)).join('\n');
    expect(all).not.toContain(CUSTOMER_TEXT);
    expect(all).not.toContain(ADMIN_TOKEN);
    expect(all).not.toContain(API_SECRET);
  });
});
