/**
 * One WhatsApp Web session, kept alive: starts the client in the background, remembers the QR
 * code while it waits for a scan, and after a disconnect, an authentication failure or a failed
 * start, throws the client away and starts a new one with exponential backoff.
 *
 *   start ─▶ connecting ──'qr'──▶ connecting (waiting for a scan) ──'ready'──▶ connected
 *                ▲                                                                │
 *                └──── backoff ◀── disconnected / error ◀── 'disconnected' / 'auth_failure' / initialize failed
 *
 * Events of a client that was replaced are ignored, so a late event never undoes a newer state.
 */
import type { Logger } from '../../logger.js';
import { StatusTracker, type ChannelStatus } from '../adapter.js';
import type { WhatsAppClient, WhatsAppDriver, WhatsAppMessage } from './client.js';

/** What the connection hands on: customers' messages and edits (already sure to be this session's). */
export interface WhatsAppEvents {
  message(message: WhatsAppMessage): void;
  edit(message: WhatsAppMessage, newBody: string): void;
  /** A new QR code to show the admin. */
  qr(qr: string): void;
}

export interface ReconnectOptions {
  /** First wait before reconnecting; doubles each failed attempt. */
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_RECONNECT: ReconnectOptions = { initialBackoffMs: 2_000, maxBackoffMs: 5 * 60_000 };

/** The QR code WhatsApp asks to be scanned now. It changes every ~20 s until scanned. */
export interface PendingQr {
  qr: string;
  at: Date;
}

export const WAITING_FOR_SCAN = 'waiting for the QR code to be scanned';

export class WhatsAppConnection {
  private readonly tracker = new StatusTracker('off');
  private client: WhatsAppClient | undefined;
  private ready = false;
  private pendingQr: PendingQr | undefined;
  /** Failed attempts since the last 'ready': sets the next backoff. */
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  /** Bumped for every new client: events of older ones are stale. */
  private generation = 0;
  private readonly readyWaiters = new Set<() => void>();

  constructor(
    private readonly driver: () => Promise<WhatsAppDriver>,
    private readonly events: WhatsAppEvents,
    private readonly log: Logger,
    private readonly reconnect: ReconnectOptions = DEFAULT_RECONNECT,
  ) {}

  /** Starts connecting in the background: never waits for WhatsApp, never throws. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.tracker.set('connecting', { detail: 'starting WhatsApp Web' });
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.generation++;
    const client = this.client;
    this.client = undefined;
    this.ready = false;
    this.pendingQr = undefined;
    this.tracker.set('off', { detail: 'stopped' });
    if (client) await this.dispose(client);
  }

  /** The client, only while it is connected (a send before 'ready' would fail or hang). */
  connectedClient(): WhatsAppClient | undefined {
    return this.ready ? this.client : undefined;
  }

  /** The QR code to scan, while the session waits for one. */
  qr(): PendingQr | undefined {
    return this.pendingQr;
  }

  status(): ChannelStatus {
    return this.tracker.get();
  }

  /** Resolves once connected (at once if it is); for tests and callers that can wait. */
  whenConnected(): Promise<void> {
    if (this.ready) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.add(resolve));
  }

  private async connect(): Promise<void> {
    const generation = ++this.generation;
    const current = () => generation === this.generation && !this.stopped;
    let client: WhatsAppClient;
    try {
      client = (await this.driver()).createClient();
    } catch (err) {
      if (current()) this.fail(`cannot create the WhatsApp client: ${message(err)}`, 'error');
      return;
    }
    if (!current()) {
      await this.dispose(client);
      return;
    }
    this.client = client;
    this.ready = false;
    client.on('qr', (qr) => {
      if (!current()) return;
      this.pendingQr = { qr, at: new Date() };
      this.tracker.set('connecting', { detail: WAITING_FOR_SCAN });
      this.guard('qr', () => this.events.qr(qr));
    });
    client.on('ready', () => {
      if (!current()) return;
      this.ready = true;
      this.failures = 0;
      this.pendingQr = undefined;
      this.tracker.set('connected', { detail: 'WhatsApp Web' });
      this.log.info('whatsapp connected');
      for (const resolve of this.readyWaiters) resolve();
      this.readyWaiters.clear();
    });
    client.on('message', (msg) => {
      if (current()) this.guard('message', () => this.events.message(msg));
    });
    client.on('message_edit', (msg, newBody) => {
      if (current()) this.guard('message_edit', () => this.events.edit(msg, String(newBody)));
    });
    client.on('disconnected', (reason) => {
      if (current()) this.fail(`disconnected: ${String(reason)}`, 'disconnected');
    });
    client.on('auth_failure', (msg) => {
      if (current()) this.fail(`authentication failed: ${String(msg)}`, 'error');
    });
    try {
      await client.initialize();
    } catch (err) {
      if (current()) this.fail(`cannot start WhatsApp Web: ${message(err)}`, 'error');
    }
    // Stopped (or replaced) while the browser was still starting: it is not needed any more.
    if (!current()) await this.dispose(client);
  }

  /** Drops the current client and schedules a new attempt after the backoff. */
  private fail(error: string, state: 'disconnected' | 'error'): void {
    const client = this.client;
    this.client = undefined;
    this.ready = false;
    this.pendingQr = undefined;
    this.generation++;
    const delay = this.backoff(this.failures++);
    this.tracker.set(state, { detail: `reconnecting in ${Math.round(delay / 1000)} s`, lastError: error });
    this.log.warn({ error, retryInMs: delay }, 'whatsapp connection lost: reconnecting');
    if (client) void this.dispose(client);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (this.stopped) return;
      this.tracker.set('connecting', { detail: 'reconnecting' });
      void this.connect();
    }, delay);
    this.timer.unref();
  }

  /** Exponential, capped, with ±20 % jitter. */
  private backoff(failures: number): number {
    const { initialBackoffMs, maxBackoffMs } = this.reconnect;
    const exp = Math.min(maxBackoffMs, initialBackoffMs * 2 ** failures);
    return Math.round(exp * (0.8 + Math.random() * 0.4));
  }

  private async dispose(client: WhatsAppClient): Promise<void> {
    client.removeAllListeners();
    await client.destroy().catch((err: unknown) => this.log.debug({ error: message(err) }, 'whatsapp client did not close cleanly'));
  }

  /** A handler's error is logged and never reaches the client's event loop (or crashes the process). */
  private guard(event: string, handler: () => void): void {
    try {
      handler();
    } catch (err) {
      this.log.error({ err, event }, 'whatsapp event handler failed');
    }
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
