/**
 * The WhatsApp channel adapter (whatsapp-web.js): customers' private chats with the connected
 * number become conversations. It translates and decides nothing (see ../adapter.ts).
 *
 *   WhatsApp Web ──client events──▶ WhatsAppConnection ──▶ inbound.ts ──▶ InboundSink (the core)
 *   delivery worker ──▶ WhatsAppSender ──▶ the connected client's sendMessage
 *   admin ──GET /api/v1/channels/whatsapp/qr──▶ the QR code to log in
 *
 * It never blocks start-up: the browser starts in the background, and until the session is
 * connected replies wait in the delivery queue.
 */
import type { RequestHandler, Router } from 'express';
import type { Logger } from '../../logger.js';
import type { ChannelAdapter, ChannelStatus, InboundSink } from '../adapter.js';
import type { RedisLease } from '../lease.js';
import type { WhatsAppDriver, WhatsAppMessage } from './client.js';
import { DEFAULT_RECONNECT, WhatsAppConnection, type PendingQr, type ReconnectOptions } from './connection.js';
import { skipReason, toInboundEdit, toInboundMessage } from './inbound.js';
import { renderQrText } from './qr-render.js';
import { QR_ROUTE, whatsappQrRouter } from './routes.js';
import { WHATSAPP_STANDBY_DETAIL, WhatsAppSender, type FileLoader, type WhatsAppSenderOptions } from './sender.js';

export { WHATSAPP_STANDBY_DETAIL };

export interface WhatsAppAdapterOptions {
  /** WHATSAPP_ENABLED: when false the channel is off and says so. */
  enabled: boolean;
  /** Loads whatsapp-web.js (or a fake); called once, when the connection starts or a file is sent. */
  driver: () => Promise<WhatsAppDriver>;
  sink: InboundSink;
  log: Logger;
  /** Guards the QR route: the REST API's bearer token (ADMIN_TOKEN). */
  requireAdmin: RequestHandler;
  /** Gets the files agents attach; none: files are sent as links when they have a public URL. */
  loadFile?: FileLoader;
  reconnect?: ReconnectOptions;
  send?: Partial<WhatsAppSenderOptions>;
  /** Retries of a message the core could not take (database down), before it is given up. */
  ingestRetry?: { attempts: number; initialDelayMs: number };
  /**
   * The session runs only while this lease is held, so that of several instances one opens a
   * browser on the account, and another takes over when it dies. Without it, it always runs here.
   */
  lease?: RedisLease;
  /** Shows the QR code to whoever watches the process; default: standard error. */
  printQr?: (text: string) => void;
}

/** The status detail of an instance that leaves the WhatsApp session to another. */

const DEFAULT_SEND: WhatsAppSenderOptions = { partIntervalMs: 700, sendTimeoutMs: 30_000 };
const DEFAULT_INGEST_RETRY = { attempts: 6, initialDelayMs: 1000 };

export class WhatsAppAdapter implements ChannelAdapter {
  readonly channel = 'whatsapp' as const;
  readonly sender: WhatsAppSender;
  readonly router: Router;
  readonly connection: WhatsAppConnection;
  private readonly off: ChannelStatus = { state: 'off', detail: 'WHATSAPP_ENABLED is not true', since: new Date().toISOString() };
  private readonly inFlight = new Set<Promise<void>>();
  private readonly driver: () => Promise<WhatsAppDriver>;
  private stopping = false;
  /** The status while the session lease is another instance's (or not yet ours). */
  private standby: ChannelStatus | undefined;

  constructor(private readonly options: WhatsAppAdapterOptions) {
    let loading: Promise<WhatsAppDriver> | undefined;
    // Loaded once; a failed load (e.g. a broken install) is tried again on the next reconnect.
    this.driver = () => (loading ??= options.driver().catch((err: unknown) => ((loading = undefined), Promise.reject(err))));
    this.connection = new WhatsAppConnection(
      this.driver,
      {
        message: (msg) => this.track(this.onMessage(msg)),
        edit: (msg, newBody) => this.track(this.onEdit(msg, newBody)),
        qr: (qr) => this.showQr(qr),
      },
      options.log,
      options.reconnect ?? DEFAULT_RECONNECT,
    );
    this.sender = new WhatsAppSender(
      { enabled: options.enabled, connectedClient: () => this.connection.connectedClient(), status: () => this.status() },
      this.driver,
      options.loadFile ?? (async () => null),
      { ...DEFAULT_SEND, ...options.send },
    );
    this.router = whatsappQrRouter({ qr: () => this.qr(), status: () => this.status() }, options.requireAdmin);
  }

  async start(): Promise<void> {
    if (!this.options.enabled) return;
    this.stopping = false;
    const lease = this.options.lease;
    if (!lease) {
      this.connection.start();
      return;
    }
    this.standby = { state: 'connecting', detail: 'waiting for the session lease', since: new Date().toISOString() };
    lease.start({
      onAcquired: () => {
        if (this.stopping) return;
        this.standby = undefined;
        this.connection.start();
      },
      onLost: async () => {
        this.setStandby();
        await this.connection.stop();
      },
      onStandby: () => this.setStandby(),
    });
  }

  /** Closes the browser (and gives up the session lease) and waits for the messages being handed to the core. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.options.lease?.stop();
    this.standby = undefined;
    await this.connection.stop();
    await this.idle();
  }

  status(): ChannelStatus {
    if (!this.options.enabled) return { ...this.off };
    return this.standby ? { ...this.standby } : this.connection.status();
  }

  /** Another instance runs the session: this one neither receives nor sends WhatsApp messages. */
  private setStandby(): void {
    if (this.standby?.detail !== WHATSAPP_STANDBY_DETAIL) this.standby = { state: 'connected', detail: WHATSAPP_STANDBY_DETAIL, since: new Date().toISOString() };
  }

  /** The QR code waiting to be scanned, if any. */
  qr(): PendingQr | undefined {
    return this.options.enabled ? this.connection.qr() : undefined;
  }

  /** Resolves once every message and edit received so far has been handed to the core. */
  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async onMessage(msg: WhatsAppMessage): Promise<void> {
    const context = { chatId: msg.from, messageId: msg.id._serialized, type: msg.type };
    try {
      const reason = skipReason(msg);
      if (reason) {
        this.options.log.debug({ ...context, reason }, 'whatsapp message ignored');
        return;
      }
      const inbound = await toInboundMessage(msg);
      if (!inbound) return;
      await this.withRetry(() => this.options.sink.ingest(inbound), context, 'whatsapp message could not be stored');
    } catch (err) {
      this.options.log.error({ ...context, err }, 'whatsapp message handling failed');
    }
  }

  private async onEdit(msg: WhatsAppMessage, newBody: string): Promise<void> {
    const context = { chatId: msg.from, messageId: msg.id._serialized };
    try {
      const edit = toInboundEdit(msg, newBody);
      if (!edit) return;
      const known = await this.withRetry(() => this.options.sink.edit(edit), context, 'whatsapp edit could not be stored');
      if (!known) this.options.log.debug(context, 'whatsapp edit of an unknown message ignored');
    } catch (err) {
      this.options.log.error({ ...context, err }, 'whatsapp edit handling failed');
    }
  }

  /**
   * WhatsApp Web hands each message over once: if the core cannot take it (database down), try
   * again with backoff rather than lose it. Idempotent: the platform id is the key.
   */
  private async withRetry<T>(work: () => Promise<T>, context: Record<string, unknown>, what: string): Promise<T> {
    const { attempts, initialDelayMs } = this.options.ingestRetry ?? DEFAULT_INGEST_RETRY;
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (err) {
        if (attempt >= attempts || this.stopping) throw err;
        const delay = initialDelayMs * 2 ** (attempt - 1);
        this.options.log.warn({ ...context, attempt, retryInMs: delay, error: err instanceof Error ? err.message : String(err) }, what);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private showQr(qr: string): void {
    this.options.log.info({ route: QR_ROUTE }, 'WhatsApp needs a login: scan the QR code with the phone (WhatsApp → Linked devices), from the terminal or the admin route');
    const print = this.options.printQr ?? ((text: string) => process.stderr.write(`${text}\n`));
    renderQrText(qr, { ansi: process.stderr.isTTY === true }).then(print, (err: unknown) => this.options.log.error({ err }, 'WhatsApp QR code could not be drawn'));
  }
}
