/**
 * The widget's live connections: one WebSocket per open widget. Frames from the browser
 * become inbound messages for the core; replies published on Redis (by any instance's
 * delivery worker) are pushed to this instance's sockets of that visitor.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Db } from '../../db/prisma.js';
import { storedAttachment, type FileStore } from '../../core/files.js';
import type { InboundPipeline } from '../../core/inbound.js';
import type { Attachment } from '../../core/model.js';
import type { Logger } from '../../logger.js';
import type { Redis } from '../../redis.js';
import { clientFrame, platformId, toWidgetMessage, type ClientFrame } from './protocol.js';
import type { WidgetEnvelope } from './sender.js';
import { readFileRef, readVisitorToken } from './token.js';

const HISTORY_LIMIT = 200;

export class WidgetHub {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  private readonly sockets = new Map<string, Set<WebSocket>>();

  constructor(
    private readonly db: Db,
    private readonly pipeline: InboundPipeline,
    private readonly subscriber: Redis,
    private readonly topic: string,
    private readonly secret: string,
    private readonly log: Logger,
    /** Where the visitors' uploads are (./files.ts): a message names them by signed reference. */
    private readonly files: FileStore,
  ) {}

  /** Starts listening for replies published by the delivery workers. */
  async start(): Promise<void> {
    this.subscriber.on('message', (channel: string, payload: string) => {
      if (channel === this.topic) this.push(payload);
    });
    await this.subscriber.subscribe(this.topic);
  }

  /** Handles an HTTP upgrade on /widget/ws; refuses a missing or forged token. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const visitorId = readVisitorToken(this.secret, url.searchParams.get('token'));
    if (!visitorId) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.attach(visitorId, ws).catch((err: unknown) => {
        this.log.error({ err }, 'widget connection failed');
        ws.close(1011, 'server error');
      });
    });
  }

  private async attach(visitorId: string, ws: WebSocket): Promise<void> {
    const set = this.sockets.get(visitorId) ?? new Set();
    set.add(ws);
    this.sockets.set(visitorId, set);
    ws.on('close', () => {
      set.delete(ws);
      if (!set.size) this.sockets.delete(visitorId);
    });
    ws.on('message', (data) => {
      this.onFrame(visitorId, ws, data.toString()).catch((err: unknown) => {
        this.log.error({ err, visitorId }, 'widget frame failed');
        send(ws, { type: 'error', error: 'server_error' });
      });
    });
    const conversation = await this.db.conversation.findUnique({
      where: { channel_externalChatId: { channel: 'widget', externalChatId: visitorId } },
      // The latest ticket's number, so a returning visitor sees which ticket they are in.
      select: { id: true, tickets: { orderBy: { number: 'desc' }, take: 1, select: { number: true } } },
    });
    const messages = conversation
      ? await this.db.message.findMany({
          where: { conversationId: conversation.id, authorKind: { not: 'note' } },
          orderBy: { seq: 'desc' },
          take: HISTORY_LIMIT,
        })
      : [];
    const ticketNumber = conversation?.tickets[0]?.number;
    send(ws, { type: 'hello', visitorId, started: Boolean(conversation), ...(ticketNumber ? { ticketNumber } : {}), messages: messages.reverse().map(toWidgetMessage) });
  }

  private async onFrame(visitorId: string, ws: WebSocket, raw: string): Promise<void> {
    let frame: ClientFrame;
    try {
      frame = clientFrame.parse(JSON.parse(raw));
    } catch (err) {
      const clientId = safeClientId(raw);
      const issue = (err as { issues?: Array<{ path: PropertyKey[] }> }).issues?.[0];
      send(ws, { type: 'error', error: issue ? `invalid ${issue.path.join('.')}` : 'invalid frame', ...(clientId ? { clientId } : {}) });
      return;
    }
    const attachments = frame.type === 'message' ? await this.uploads(visitorId, frame.files ?? []) : [];
    if (!attachments || (frame.type === 'message' && !frame.text && !attachments.length)) {
      send(ws, { type: 'error', error: attachments ? 'invalid text' : 'invalid files', clientId: frame.clientId });
      return;
    }
    const base = { channel: 'widget' as const, chatId: visitorId, messageId: platformId(visitorId, frame.clientId) };
    const result =
      frame.type === 'start'
        ? await this.pipeline.ingest({
            ...base,
            from: {
              id: visitorId,
              name: frame.name,
              ...(frame.email ? { email: frame.email } : {}),
              ...(frame.phone ? { phone: frame.phone } : {}),
              ...(frame.lang ? { language: frame.lang } : {}),
            },
            text: frame.text,
            ...(frame.topic ? { topic: frame.topic } : {}),
          })
        : await this.pipeline.ingest({
            ...base,
            from: { id: visitorId },
            text: frame.type === 'message' ? frame.text : frame.label,
            ...(frame.type === 'button' ? { buttonId: frame.buttonId } : {}),
            ...(attachments.length ? { attachments } : {}),
          });
    send(ws, { type: 'ack', clientId: frame.clientId, messageId: result.messageId, ticketNumber: result.ticketNumber });
  }

  /** The stored files behind the visitor's signed references, or null if one is not theirs or is gone. */
  private async uploads(visitorId: string, refs: readonly string[]): Promise<Attachment[] | null> {
    const attachments: Attachment[] = [];
    for (const ref of refs) {
      const id = readFileRef(this.secret, visitorId, ref);
      const file = id ? await this.files.info(id) : null;
      if (!file) return null;
      attachments.push(storedAttachment(file));
    }
    return attachments;
  }

  private push(payload: string): void {
    let envelope: WidgetEnvelope;
    try {
      envelope = JSON.parse(payload) as WidgetEnvelope;
    } catch {
      return;
    }
    for (const ws of this.sockets.get(envelope.visitorId) ?? []) send(ws, { type: 'message', message: envelope.message });
  }

  /** How many visitors have a widget open on this instance. */
  get connectedVisitors(): number {
    return this.sockets.size;
  }

  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await this.subscriber.unsubscribe(this.topic).catch(() => undefined);
  }
}

function send(ws: WebSocket, frame: unknown): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
}

function safeClientId(raw: string): string | undefined {
  try {
    const id = (JSON.parse(raw) as { clientId?: unknown }).clientId;
    return typeof id === 'string' && id.length <= 64 ? id : undefined;
  } catch {
    return undefined;
  }
}
