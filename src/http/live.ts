/**
 * Live updates for the console: `GET /api/v1/live` is a server-sent event stream that says
 * which tickets (and which messages, for delivery states) just changed, so an open inbox or
 * ticket page refetches at once instead of polling every few seconds.
 *
 * It carries only ticket numbers and message ids, never content: the page reads the rest
 * through the REST API, with its own permissions. Changes are told across instances over Redis
 * pub/sub (a reply sent by another instance's worker, a customer message taken in by another
 * instance's webhook): each instance publishes its own domain events, batched, and every
 * instance, itself included, pushes what it hears to its own streams. Pub/sub forgets what was
 * said while a subscriber was disconnected, so after a Redis reconnect every stream is told to
 * refetch everything (`resync`); the console also keeps a slow poll as a safety net.
 */
import type { Request, Response } from 'express';
import { Router } from 'express';
import type { DomainEvents, EventBus } from '../core/events.js';
import type { Logger } from '../logger.js';
import type { Redis } from '../redis.js';
import { apiGroup } from './apiRoutes.js';

/** One batch of changes, as published on Redis and pushed to the streams. */
export interface LiveChange {
  /** Numbers of the tickets that changed (a new message, a status, an assignee …). */
  tickets: number[];
  /** Ids of messages whose delivery state changed. */
  messages: string[];
}

/** Events that change what a ticket page or the inbox shows, all naming their ticket. */
const TICKET_EVENTS = [
  'ticket.created', 'ticket.updated', 'ticket.handoff', 'ticket.reassigned', 'ticket.routed', 'ticket.woke',
  'message.received', 'message.created', 'message.edited', 'reply.edited', 'reply.edit_failed', 'sla.breached', 'csat.rated',
] as const satisfies readonly (keyof DomainEvents)[];

/** How long changes are gathered into one Redis message: a burst of events is one refetch. */
const BATCH_MS = 150;
/** A comment line this often keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 25_000;
/** What the browser waits before reconnecting a dropped stream. */
const RETRY_MS = 3000;

export class LiveFeed {
  private readonly streams = new Set<Response>();
  private readonly pendingTickets = new Set<number>();
  private readonly pendingMessages = new Set<string>();
  private flushTimer: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private unsubscribe: Array<() => void> = [];
  private readonly onMessage = (channel: string, payload: string): void => {
    if (channel !== this.channel) return;
    let change: LiveChange;
    try {
      change = JSON.parse(payload) as LiveChange;
    } catch {
      return;
    }
    this.push('change', change);
  };
  // After a reconnect the subscription may have missed changes: every page refetches.
  private readonly onReady = (): void => this.push('resync', {});

  constructor(
    private readonly events: EventBus,
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    readonly channel: string,
    private readonly log: Logger,
  ) {}

  /** Number of open streams on this instance. */
  get connected(): number {
    return this.streams.size;
  }

  async start(): Promise<void> {
    this.unsubscribe = [
      ...TICKET_EVENTS.map((name) => this.events.on(name, (e) => this.note(e.ticketNumber))),
      this.events.on('message.delivered', (e) => this.note(undefined, e.messageId)),
      this.events.on('message.failed', (e) => this.note(undefined, e.messageId)),
    ];
    this.subscriber.on('message', this.onMessage);
    await this.subscriber.subscribe(this.channel);
    this.subscriber.on('ready', this.onReady);
    this.heartbeat = setInterval(() => {
      for (const res of this.streams) res.write(': keep-alive\n\n');
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Serves one stream until the client goes away. */
  attach(req: Request, res: Response): void {
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      // Tells nginx not to buffer the stream.
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    res.write(`retry: ${RETRY_MS}\n\n`);
    this.streams.add(res);
    req.on('close', () => this.streams.delete(res));
  }

  /**
   * Ends the streams (the browsers reconnect to another instance) and stops listening. Waits on
   * nothing from Redis, which may be down: the last batch is published best effort.
   */
  close(): void {
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
    if (this.heartbeat) clearInterval(this.heartbeat);
    void this.flush();
    this.subscriber.off('message', this.onMessage);
    this.subscriber.off('ready', this.onReady);
    void this.subscriber.unsubscribe(this.channel).catch(() => undefined);
    for (const res of this.streams) res.end();
    this.streams.clear();
  }

  private note(ticketNumber?: number, messageId?: string): void {
    if (ticketNumber !== undefined) this.pendingTickets.add(ticketNumber);
    if (messageId !== undefined) this.pendingMessages.add(messageId);
    this.flushTimer ??= setTimeout(() => void this.flush(), BATCH_MS);
  }

  /** Publishes what gathered. Best effort: a lost batch costs a page a refetch until its next poll. */
  private async flush(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.pendingTickets.size === 0 && this.pendingMessages.size === 0) return;
    const change: LiveChange = { tickets: [...this.pendingTickets], messages: [...this.pendingMessages] };
    this.pendingTickets.clear();
    this.pendingMessages.clear();
    await this.publisher.publish(this.channel, JSON.stringify(change)).catch((err: Error) => {
      this.log.warn({ err: err.message }, 'live feed: could not publish a change');
    });
  }

  private push(event: 'change' | 'resync', data: object): void {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const res of this.streams) res.write(frame);
  }
}

/** `GET /api/v1/live`: the stream (agents and admins, like the tickets it names; src/console/roles.ts). */
export function liveRouter(feed: LiveFeed): Router {
  const router = Router();
  router.get('/live', (req, res) => feed.attach(req, res));
  return router;
}

export const liveApi = apiGroup('tickets', '/api/v1', [
  {
    method: 'get', path: '/live',
    summary:
      'Server-sent events naming what just changed: `change` with `{"tickets": [numbers], "messages": [ids whose delivery state changed]}`, ' +
      'and `resync` (refetch everything: changes may have been missed). No content: read it through the routes above',
    success: { status: 200, description: 'an event stream', contentTypes: ['text/event-stream'] },
  },
]);
