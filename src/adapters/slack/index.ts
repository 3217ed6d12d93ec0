/**
 * Slack as a customer channel (B2B support in channels shared with client companies): a message
 * in a channel listed in SLACK_CUSTOMER_CHANNELS opens or joins that channel's ticket, and
 * agents' replies come back into its thread. One line in src/adapters/index.ts.
 *
 * The Slack app is the desk's (src/desks/slack/): its events reach the desk, which hands those of
 * customer channels here through the tap. Messages of known agents (by Slack user id) in a
 * customer channel are theirs, not a customer's: each is handed to the core as the agent's reply
 * on the channel's open ticket, already delivered (the customer saw it), so it is recorded and
 * counts (first response, SLA, the bot stepping back) but is never posted again; the agent's edit
 * of such a message there edits that reply (src/core/platformReplies.ts), again without sending. Our bot's own
 * posts (the replies we deliver) are not people writing and are skipped.
 */
import { PermanentDeliveryError } from '../../core/delivery/errors.js';
import { storedFiles } from '../../core/files.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../core/errors.js';
import type { ChannelSender, InboundAgentEdit, InboundAgentReply } from '../../core/model.js';
import { StatusTracker, type ChannelAdapter, type ChannelStatus } from '../adapter.js';
import type { ChannelAdapterDeps } from '../index.js';
import { SlackApi } from './api.js';
import { isWrittenMessage, slackMessageId, toAgentEdit, toAgentReply, toInboundEdit, toInboundMessage } from './inbound.js';
import type { SlackEvent, SlackInteraction } from './payloads.js';
import { BUTTON_ACTION, SlackSender } from './sender.js';
import type { SlackCustomerHandler, SlackCustomerTap } from './tap.js';

export { SlackCustomerTap, type SlackCustomerHandler } from './tap.js';

/** How long a Slack user's name is remembered (users.info is rate limited). */
const PROFILE_TTL_S = 24 * 60 * 60;

export type SlackChannelDeps = Pick<ChannelAdapterDeps, 'config' | 'sink' | 'db' | 'files' | 'redis' | 'log'> & { slackCustomerTap?: SlackCustomerTap };

/** The channel, or null when SLACK_CUSTOMER_CHANNELS is empty (Slack is then only the agents' desk). */
export function createSlackChannel(deps: SlackChannelDeps): ChannelAdapter | null {
  const { config } = deps;
  if (!config.SLACK_CUSTOMER_CHANNELS.length) return null;
  const token = config.SLACK_BOT_TOKEN;
  if (!token || !deps.slackCustomerTap || !config.SLACK_AGENT_CHANNEL || !(config.SLACK_SIGNING_SECRET || config.SLACK_APP_TOKEN)) {
    return new SlackChannelMisconfigured('SLACK_CUSTOMER_CHANNELS needs the Slack desk: SLACK_BOT_TOKEN, SLACK_AGENT_CHANNEL and SLACK_SIGNING_SECRET or SLACK_APP_TOKEN');
  }
  if (config.SLACK_AGENT_CHANNEL && config.SLACK_CUSTOMER_CHANNELS.includes(config.SLACK_AGENT_CHANNEL)) {
    return new SlackChannelMisconfigured('SLACK_CUSTOMER_CHANNELS lists SLACK_AGENT_CHANNEL: the agents\' channel cannot be a customer channel');
  }
  return new SlackChannel(deps, deps.slackCustomerTap, token);
}

export class SlackChannel implements ChannelAdapter, SlackCustomerHandler {
  readonly channel = 'slack' as const;
  readonly sender: SlackSender;
  private readonly api: SlackApi;
  private readonly channels: Set<string>;
  private readonly tracker = new StatusTracker('connecting');
  private detach: (() => void) | undefined;
  private botUserId: string | undefined;

  constructor(
    private readonly deps: SlackChannelDeps,
    private readonly tap: SlackCustomerTap,
    private readonly token: string,
  ) {
    const { config } = deps;
    this.channels = new Set(config.SLACK_CUSTOMER_CHANNELS);
    this.api = new SlackApi({ token, apiUrl: config.SLACK_API_URL, log: deps.log });
    this.sender = new SlackSender({ api: this.api, db: deps.db, redis: deps.redis, progressPrefix: `${config.REDIS_PREFIX}:slack:sent`, files: storedFiles(deps.files) });
  }

  status(): ChannelStatus {
    return this.tracker.get();
  }

  async start(): Promise<void> {
    this.detach = this.tap.attach(this);
    const detail = `${this.channels.size} customer channel${this.channels.size === 1 ? '' : 's'}`;
    try {
      const me = await this.api.authTest();
      this.botUserId = me.userId;
      this.tracker.set('connected', { detail: me.user ? `${detail}, @${me.user}` : detail });
    } catch (err) {
      // Messages still come through the desk; replies are retried by the delivery queue.
      this.tracker.set('error', { detail, lastError: err instanceof Error ? err.message : String(err) });
      this.deps.log.warn({ err, channel: 'slack' }, 'Slack channel: auth.test failed');
    }
  }

  async stop(): Promise<void> {
    this.detach?.();
    this.detach = undefined;
  }

  wants(channel: string): boolean {
    return this.channels.has(channel);
  }

  async message(e: SlackEvent): Promise<void> {
    const edit = toInboundEdit(e);
    if (edit) {
      // An agent editing their own message here edits the reply it was recorded as (not sent: the
      // customer sees the edit); anything else is a customer's edit.
      const author = e.message?.user;
      const agent = author && author !== this.botUserId ? await this.agentHandle(author) : null;
      const agentEdit = agent ? toAgentEdit(e, agent) : null;
      if (agentEdit && (await this.agentEdit(agentEdit))) return;
      await this.deps.sink.edit(edit);
      return;
    }
    if (!isWrittenMessage(e) || !e.channel || !e.user || !e.ts || e.user === this.botUserId) return;
    const agent = await this.agentHandle(e.user);
    if (agent) {
      await this.agentReply(toAgentReply({ ...e, channel: e.channel, ts: e.ts }, agent));
      return;
    }
    const profile = await this.profile(e.user);
    await this.deps.sink.ingest(toInboundMessage({ ...e, channel: e.channel, user: e.user, ts: e.ts }, { ...profile, token: this.token, timeoutMs: this.deps.config.OUTBOUND_TIMEOUT_MS }));
  }

  async press(p: SlackInteraction): Promise<void> {
    const channel = p.channel?.id;
    const user = p.user?.id;
    if (!channel || !user) return;
    const threadTs = p.container?.thread_ts ?? p.message?.thread_ts;
    for (const action of p.actions ?? []) {
      if (!action.action_id?.startsWith(`${BUTTON_ACTION}:`) || !action.value || !action.action_ts) continue;
      const profile = await this.profile(user);
      await this.deps.sink.ingest({
        channel: 'slack',
        chatId: channel,
        // The press is a message of its own: its action_ts is unique, so a repeated delivery is one press.
        messageId: slackMessageId(channel, action.action_ts, threadTs),
        from: { id: user, ...profile },
        text: action.text?.text ?? action.value,
        buttonId: action.value,
        ...(threadTs ? { replyToMessageId: slackMessageId(channel, threadTs) } : {}),
      });
    }
  }

  /** The handle of the agent this Slack user is, or null for anyone else (a customer). */
  private async agentHandle(slackUserId: string): Promise<string | null> {
    return (await this.deps.db.agent.findUnique({ where: { slackUserId }, select: { handle: true } }))?.handle ?? null;
  }

  /**
   * An agent answered in the customer channel: the core records it on the channel's open ticket.
   * Errors propagate, so Slack sends the event again (recording is idempotent by the message's id).
   */
  private async agentReply(reply: InboundAgentReply): Promise<void> {
    if (!reply.text.trim() && !reply.attachments?.length) return;
    const recorded = await this.deps.sink.agentReply?.(reply);
    if (recorded === null) this.deps.log.debug({ channel: 'slack', chatId: reply.chatId }, "Slack channel: an agent's message with no open ticket in the channel is not recorded");
  }

  /**
   * An agent edited, in the customer channel, their message recorded as a reply: the ticket takes
   * the new text. False when no such reply is known (then it may be a customer's message of theirs).
   * A refusal (e.g. the text emptied) is logged, not retried; other errors propagate, so Slack
   * sends the event again.
   */
  private async agentEdit(edit: InboundAgentEdit): Promise<boolean> {
    if (!this.deps.sink.agentEdit) return false;
    try {
      return await this.deps.sink.agentEdit(edit);
    } catch (err) {
      if (!(err instanceof ValidationError || err instanceof ForbiddenError || err instanceof ConflictError || err instanceof NotFoundError)) throw err;
      this.deps.log.warn({ channel: 'slack', chatId: edit.chatId, messageId: edit.messageId, error: err.message }, "Slack channel: an agent's edit of their reply was not recorded");
      return true;
    }
  }

  /** The customer's name and email from Slack, remembered a day. */
  private async profile(user: string): Promise<{ name?: string; email?: string }> {
    const key = `${this.deps.config.REDIS_PREFIX}:slack:profile:${user}`;
    const cached = await this.deps.redis.get(key);
    if (cached) return JSON.parse(cached) as { name?: string; email?: string };
    try {
      const profile = await this.api.userProfile(user);
      await this.deps.redis.set(key, JSON.stringify(profile), 'EX', PROFILE_TTL_S);
      return profile;
    } catch (err) {
      // A name is nice to have: the message goes in without it.
      this.deps.log.warn({ err, channel: 'slack' }, 'Slack channel: users.info failed');
      return {};
    }
  }
}

/** SLACK_CUSTOMER_CHANNELS without the desk's settings: says so, and its replies fail for good. */
class SlackChannelMisconfigured implements ChannelAdapter {
  readonly channel = 'slack' as const;
  private readonly tracker = new StatusTracker('error');
  readonly sender: ChannelSender;

  constructor(problem: string) {
    this.tracker.set('error', { lastError: problem });
    this.sender = {
      channel: 'slack',
      send: () => Promise.reject(new PermanentDeliveryError(problem)),
    };
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  status(): ChannelStatus {
    return this.tracker.get();
  }
}
