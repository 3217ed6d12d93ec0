/** A stand-in for an integrator's webhook: records signed POSTs, and can be told to fail. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verify } from '../../src/signature.js';

export interface Received {
  body: Record<string, unknown>;
  signatureValid: boolean;
  at: number;
}

export interface WebhookReceiver {
  url: string;
  received: Received[];
  /** Attempts seen, including failed ones. */
  attempts: number[];
  /** Answers the next requests with these statuses (then 200): e.g. [503, 503]. */
  failNext(statuses: Array<number | { status: number; retryAfter: string }>): void;
  /** Answers every request with this status until cleared (null). */
  failAlways(status: number | null): void;
  /** Forgets what was received and planned: a clean start for the next test. */
  reset(): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(secret: string): Promise<WebhookReceiver> {
  const queue: Array<number | { status: number; retryAfter: string }> = [];
  let always: number | null = null;
  const received: Received[] = [];
  const attempts: number[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      attempts.push(Date.now());
      const planned = always ?? queue.shift();
      if (planned !== undefined) {
        const status = typeof planned === 'number' ? planned : planned.status;
        if (typeof planned === 'object') res.setHeader('retry-after', planned.retryAfter);
        res.writeHead(status).end();
        return;
      }
      const raw = Buffer.concat(chunks);
      received.push({ body: JSON.parse(raw.toString('utf8')) as Record<string, unknown>, signatureValid: verify(secret, raw, req.headers['x-signature'] as string | undefined), at: Date.now() });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    attempts,
    failNext: (s) => void queue.push(...s),
    failAlways: (s) => {
      always = s;
    },
    reset: () => {
      always = null;
      queue.length = 0;
      received.length = 0;
      attempts.length = 0;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
