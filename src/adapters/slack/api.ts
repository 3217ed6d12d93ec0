/**
 * The few Slack Web API calls the gateway makes (the Slack desk, and Slack as a customer
 * channel), through @slack/web-api's WebClient (from Bolt).
 *
 * Rate limits: chat.postMessage takes about one message per second per channel. With `pacing`,
 * every post first takes a send slot from the delivery worker's Redis limiter (one timeline for
 * all instances, slots handed out in turn), so a burst waits here instead of meeting Slack's 429.
 * Without it the caller paces (the customer channel's posts go through the delivery queue, which
 * keeps the same limit). Should a 429 come anyway, WebClient waits Slack's Retry-After and retries.
 */
import { randomUUID } from 'node:crypto';
import { webApi } from '@slack/bolt';
import { SendRateLimiter } from '../../core/delivery/rateLimit.js';
import type { Logger } from '../../logger.js';
import type { Redis } from '../../redis.js';

type Block = Record<string, unknown>;

/** How long posting a file's bytes may take (files are up to ATTACHMENT_MAX_BYTES). */
const UPLOAD_TIMEOUT_MS = 60_000;

export interface SlackApiOptions {
  token: string;
  apiUrl: string;
  /** Paces posts per channel through Redis send slots shared by every instance. */
  pacing?: {
    redis: Redis;
    /** Key prefix of the send slots, e.g. `omnidesk:rate:slack-desk`. */
    ratePrefix: string;
    /** Posts per second per channel (Slack: about 1). */
    postsPerSecond: number;
  };
  log: Logger;
}

export class SlackApi {
  readonly client: webApi.WebClient;
  private readonly limiter: SendRateLimiter | undefined;

  constructor(private readonly options: SlackApiOptions) {
    const log = options.log;
    this.client = new webApi.WebClient(options.token, {
      slackApiUrl: options.apiUrl.endsWith('/') ? options.apiUrl : `${options.apiUrl}/`,
      rejectRateLimitedCalls: false,
      retryConfig: { retries: 5, factor: 2, minTimeout: 200, maxTimeout: 5000 },
      timeout: 10_000,
      logger: slackLogger(log),
    });
    this.limiter = options.pacing && new SendRateLimiter(options.pacing.redis, options.pacing.ratePrefix);
  }

  /** Waits for this channel's next send slot (shared by every instance). */
  private async slot(channel: string): Promise<void> {
    const { limiter } = this;
    const pacing = this.options.pacing;
    if (!limiter || !pacing) return;
    const id = randomUUID();
    for (;;) {
      const wait = await limiter.acquire({ channel: 'slack', chatId: channel, messageId: `${channel}:${id}`, limits: { perSecond: pacing.postsPerSecond } });
      if (wait <= 0) return;
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  async postMessage(args: { channel: string; text: string; blocks?: Block[]; threadTs?: string }): Promise<string> {
    await this.slot(args.channel);
    const res = await this.client.chat.postMessage({
      channel: args.channel,
      text: args.text,
      ...(args.blocks ? { blocks: args.blocks as never } : {}),
      ...(args.threadTs ? { thread_ts: args.threadTs } : {}),
      unfurl_links: false,
      unfurl_media: false,
    });
    if (!res.ts) throw new Error('chat.postMessage returned no ts');
    return res.ts;
  }

  async update(args: { channel: string; ts: string; text: string; blocks?: Block[] }): Promise<void> {
    await this.client.chat.update({ channel: args.channel, ts: args.ts, text: args.text, ...(args.blocks ? { blocks: args.blocks as never } : {}) });
  }

  async postEphemeral(args: { channel: string; user: string; text: string; threadTs?: string }): Promise<void> {
    await this.client.chat.postEphemeral({ channel: args.channel, user: args.user, text: args.text, ...(args.threadTs ? { thread_ts: args.threadTs } : {}) });
  }

  /**
   * Uploads a file into a channel or a thread, Slack's way: an upload URL for the file, its bytes
   * posted there, then the upload completed into the channel (`files.uploadV2`'s steps, spelled out).
   */
  async uploadFile(args: { channel: string; threadTs?: string; data: Buffer; name: string }): Promise<void> {
    await this.slot(args.channel);
    const target = await this.client.files.getUploadURLExternal({ filename: args.name, length: args.data.length });
    if (!target.upload_url || !target.file_id) throw new Error('files.getUploadURLExternal returned no upload URL');
    const res = await fetch(target.upload_url, { method: 'POST', body: new Uint8Array(args.data), signal: AbortSignal.timeout(UPLOAD_TIMEOUT_MS) });
    if (!res.ok) throw new Error(`the file upload was answered ${res.status}`);
    await this.client.files.completeUploadExternal({
      files: [{ id: target.file_id, title: args.name }],
      channel_id: args.channel,
      ...(args.threadTs ? { thread_ts: args.threadTs } : {}),
    });
  }

  /** The user's profile email, if Slack shares it (needs the users:read.email scope). */
  async userEmail(user: string): Promise<string | undefined> {
    return (await this.userProfile(user)).email;
  }

  /** The user's display name and email, as far as Slack shares them. */
  async userProfile(user: string): Promise<{ name?: string; email?: string }> {
    const res = await this.client.users.info({ user });
    const profile = res.user?.profile;
    const name = profile?.display_name || profile?.real_name || res.user?.real_name || res.user?.name;
    return { ...(name ? { name } : {}), ...(profile?.email ? { email: profile.email } : {}) };
  }

  /** Checks the token; resolves with the bot's user name. */
  async authTest(): Promise<{ userId?: string; user?: string }> {
    const res = await this.client.auth.test();
    return { ...(res.user_id ? { userId: res.user_id } : {}), ...(res.user ? { user: res.user } : {}) };
  }
}

/** Slack's SDKs (Web API, Socket Mode) log through ours, one level down: their "info" chatter is our debug. */
export function slackLogger(log: Logger): webApi.Logger {
  return {
    debug: (...m: unknown[]) => log.debug({ slack: true }, m.join(' ')),
    info: (...m: unknown[]) => log.debug({ slack: true }, m.join(' ')),
    warn: (...m: unknown[]) => log.warn({ slack: true }, m.join(' ')),
    error: (...m: unknown[]) => log.error({ slack: true }, m.join(' ')),
    setLevel: () => undefined,
    getLevel: () => webApi.LogLevel.INFO,
    setName: () => undefined,
  };
}
