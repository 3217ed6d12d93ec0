/**
 * How Slack's requests reach the desk. A Slack app gets them one of two ways, and both end in
 * the same three calls of a `SlackReceiver`:
 *
 * - HTTP (`POST /slack/events`): events, interactivity and the slash command share the URL. The
 *   signature is checked on the raw body (401 when forged or stale); Slack wants an answer
 *   within 3 s, so the receiver does only what must happen before the ack.
 * - Socket Mode (SLACK_APP_TOKEN): the app opens a WebSocket to Slack (`apps.connections.open`)
 *   and Slack sends the same payloads as envelopes over it, each acked by its envelope id. No
 *   public URL is needed, and no signature: the app token authenticated the socket.
 *
 * Either way Slack may send an event again (a retry, or to another connection): the receiver
 * drops repeats by `event_id`.
 */
import express, { Router } from 'express';
import { SocketModeClient } from '@slack/socket-mode';
import { slackLogger } from '../../adapters/slack/api.js';
import type { Logger } from '../../logger.js';
import type { SlackCommand, SlackEventCallback, SlackInteraction } from '../../adapters/slack/payloads.js';
import { verifySlackSignature } from './verify.js';

/** The desk's side: what to do with each kind of request, however it came. */
export interface SlackReceiver {
  /**
   * An Events API delivery. Slack is acked when this settles: keep it short (under Slack's 3 s),
   * and throw only when Slack should send the event again.
   */
  event(body: SlackEventCallback): Promise<void>;
  /** An interaction, already acked: handle it in the background. */
  interaction(payload: SlackInteraction): void;
  /** A slash command: the text answered to the caller only (ephemeral). */
  command(fields: SlackCommand): Promise<string>;
}

/** The HTTP way: a router for POST `path`, mounted at the app's root before any body parser. */
export function slackHttpRouter(path: string, signingSecret: string, receiver: SlackReceiver, log: Logger): Router {
  const router = Router();
  router.post(path, express.raw({ type: () => true, limit: '1mb' }), (req, res) => {
    void (async () => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const signed = verifySlackSignature(signingSecret, { signature: req.get('x-slack-signature'), timestamp: req.get('x-slack-request-timestamp') }, raw);
      if (!signed) {
        log.warn({ desk: 'slack', ip: req.ip }, 'Slack request refused: bad or stale signature');
        res.status(401).json({ error: 'invalid_signature' });
        return;
      }
      if ((req.get('content-type') ?? '').includes('application/json')) {
        const body = parseJson(raw.toString('utf8')) as (SlackEventCallback & { challenge?: string }) | undefined;
        if (!body) {
          res.status(400).json({ error: 'invalid_json' });
          return;
        }
        if (body.type === 'url_verification') {
          res.json({ challenge: body.challenge });
          return;
        }
        if (body.type === 'event_callback') await receiver.event(body);
        res.status(200).end();
        return;
      }
      const form = new URLSearchParams(raw.toString('utf8'));
      const payload = form.get('payload');
      if (payload !== null) {
        const interaction = parseJson(payload) as SlackInteraction | undefined;
        if (!interaction) {
          res.status(400).json({ error: 'invalid_payload' });
          return;
        }
        res.status(200).end();
        receiver.interaction(interaction);
        return;
      }
      if (form.get('command')) {
        res.json({ response_type: 'ephemeral', text: await receiver.command(Object.fromEntries(form)) });
        return;
      }
      res.status(400).json({ error: 'unsupported_request' });
    })().catch((err: unknown) => {
      log.error({ err, desk: 'slack' }, 'slack request failed');
      if (!res.headersSent) res.status(500).json({ error: 'internal' });
    });
  });
  return router;
}

export interface SlackSocketOptions {
  appToken: string;
  /** Where `apps.connections.open` is called (SLACK_API_URL). */
  apiUrl: string;
  receiver: SlackReceiver;
  log: Logger;
  /** Told when the socket connects, reconnects or fails, for the desk's status. */
  onState: (state: 'connected' | 'connecting' | 'error', detail?: string) => void;
}

interface Envelope {
  ack: (response?: Record<string, unknown>) => Promise<void>;
  type: string;
  body?: unknown;
}

/** The Socket Mode way: one WebSocket per instance (Slack spreads events over an app's sockets). */
export class SlackSocket {
  private readonly client: SocketModeClient;

  constructor(private readonly options: SlackSocketOptions) {
    const { log } = options;
    this.client = new SocketModeClient({
      appToken: options.appToken,
      logger: slackLogger(log),
      clientOptions: { slackApiUrl: options.apiUrl.endsWith('/') ? options.apiUrl : `${options.apiUrl}/` },
    });
    this.client.on('slack_event', (envelope: Envelope) => {
      this.onEnvelope(envelope).catch((err: unknown) => log.error({ err, desk: 'slack' }, 'Slack socket: handling an envelope failed'));
    });
    this.client.on('connected', () => options.onState('connected', 'socket mode'));
    this.client.on('reconnecting', () => options.onState('connecting', 'socket mode, reconnecting'));
  }

  /** Connects in the background: an outage is reported through `onState` and retried by the client. */
  start(): void {
    this.client.start().catch((err: unknown) => {
      this.options.onState('error', err instanceof Error ? err.message : String(err));
      this.options.log.warn({ err, desk: 'slack' }, 'Slack socket mode could not connect');
    });
  }

  async stop(): Promise<void> {
    await this.client.disconnect().catch(() => undefined);
  }

  private async onEnvelope(envelope: Envelope): Promise<void> {
    const { receiver } = this.options;
    if (envelope.type === 'slash_commands') {
      // The answer rides on the ack, like the HTTP response of a slash command.
      const text = await receiver.command(commandFields(envelope.body));
      await envelope.ack({ response_type: 'ephemeral', text });
      return;
    }
    // An envelope left unacked (the event failed) is sent again by Slack.
    if (envelope.type === 'events_api') await receiver.event(envelope.body as SlackEventCallback);
    await envelope.ack();
    if (envelope.type === 'interactive') receiver.interaction(envelope.body as SlackInteraction);
  }
}

function commandFields(body: unknown): SlackCommand {
  const fields: SlackCommand = {};
  if (body && typeof body === 'object') for (const [k, v] of Object.entries(body)) if (typeof v === 'string') fields[k] = v;
  return fields;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
