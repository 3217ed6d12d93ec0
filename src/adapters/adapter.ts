/**
 * What every customer channel adapter is: a translator between one platform and the core.
 * Inbound, it turns platform updates into `InboundMessage`s (and edits) for the core's pipeline;
 * outbound, its `sender` turns committed `OutboundMessage`s into platform calls. It decides
 * nothing: threading, the bot, routing and SLA live in the core.
 */
import type { Router } from 'express';
import type { IngestResult } from '../core/inbound.js';
import type { Channel, ChannelSender, InboundAgentEdit, InboundAgentReply, InboundEdit, InboundMessage } from '../core/model.js';
import type { PlatformReplyResult } from '../core/platformReplies.js';

/** Where an adapter hands what customers send: the core's inbound pipeline. */
export interface InboundSink {
  ingest(message: InboundMessage): Promise<IngestResult>;
  /** Records an edit of an earlier message; false when that message is unknown. */
  edit(edit: InboundEdit): Promise<boolean>;
  /**
   * Records an agent's reply written on the platform itself (the customer already has it: it is
   * not sent); null when the chat has no open ticket. Only platforms where agents can write in
   * the customer's chat use it (Slack customer channels), so a sink without it records nothing.
   */
  agentReply?(reply: InboundAgentReply): Promise<PlatformReplyResult | null>;
  /**
   * Records an agent's edit, on the platform, of a message recorded through `agentReply` (never
   * delivered: the customer sees it already); false when no such reply is known.
   */
  agentEdit?(edit: InboundAgentEdit): Promise<boolean>;
}

/** How a channel is doing, for /healthz and GET /api/v1/channels. */
export interface ChannelStatus {
  /** `off`: not configured (that is not an error, and never blocks start-up). */
  state: 'off' | 'connecting' | 'connected' | 'disconnected' | 'error';
  /** Mode or account, e.g. "webhook", "long polling", "@shop_bot". */
  detail?: string;
  lastError?: string;
  /** ISO time of the last state change. */
  since: string;
}

export interface ChannelAdapter {
  readonly channel: Channel;
  readonly sender: ChannelSender;
  /**
   * Webhook routes, mounted at the app's root (e.g. POST /webhooks/telegram), before any body
   * parser. Each verifies its secret. Parse bodies in the route (`router.post(path, express.raw(…),
   * handler)`), never with `router.use(…)`: the router sees every request to the app.
   */
  readonly router?: Router;
  /** Connects (long polling, sockets, setWebhook …). Must not throw for a platform outage: report it in status and retry. */
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): ChannelStatus;
}

/** A small helper adapters use to keep their status with the time it changed. */
export class StatusTracker {
  private current: ChannelStatus;

  constructor(state: ChannelStatus['state'], detail?: string) {
    this.current = { state, ...(detail ? { detail } : {}), since: new Date().toISOString() };
  }

  set(state: ChannelStatus['state'], extra: { detail?: string; lastError?: string } = {}): void {
    const changed = state !== this.current.state;
    this.current = {
      state,
      ...(extra.detail ?? this.current.detail ? { detail: extra.detail ?? this.current.detail } : {}),
      ...(extra.lastError ?? this.current.lastError ? { lastError: extra.lastError ?? this.current.lastError } : {}),
      since: changed ? new Date().toISOString() : this.current.since,
    };
  }

  get(): ChannelStatus {
    return { ...this.current };
  }
}
