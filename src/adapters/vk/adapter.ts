/**
 * The VK channel: a community's messages, through vk-io. It puts together the API client, the
 * update handler (fed by the Callback API route or by Bots Long Poll, see settings.ts for which),
 * and the sender, and keeps the channel's status:
 * - off: no VK_TOKEN;
 * - connecting → connected: the token works (groups.getById), and for long polling the poll runs;
 * - disconnected / error: VK unreachable, the token rejected, or the callback settings incomplete,
 *   with the last error. Nothing here blocks start-up: checks and polling run in the background
 *   and retry with backoff.
 */
import type { Router } from 'express';
import type { Logger } from '../../logger.js';
import type { Redis } from '../../redis.js';
import { StatusTracker, type ChannelAdapter, type ChannelStatus, type InboundSink } from '../adapter.js';
import { STANDBY_DETAIL, type RedisLease } from '../lease.js';
import { VkApi } from './api.js';
import { backoffMs, sleep } from './backoff.js';
import { vkCallbackRouter } from './callback.js';
import { MemoryEventLedger, RedisEventLedger, type EventLedger } from './eventLedger.js';
import { describeGroup, fetchGroup } from './group.js';
import { VkLongPoll } from './longPoll.js';
import { VkProfiles } from './profiles.js';
import { VkSender } from './sender.js';
import { vkMode, type VkMode, type VkSettings } from './settings.js';
import { VkUpdateHandler } from './updates.js';
import { VkUploader, type StoredFiles } from './upload.js';

export interface VkAdapterDeps {
  sink: InboundSink;
  log: Logger;
  /** Shares the record of handled events between instances; memory when absent. */
  redis?: Redis;
  /** Closed by `stop()`: the adapter opened it. */
  ownsRedis?: boolean;
  redisPrefix?: string;
  /** Where agents' attachments (`/api/v1/files/<id>`) are read from, to upload them to VK. */
  files?: StoredFiles;
  /**
   * Bots Long Poll only while this lease is held, so that of several instances one polls and
   * another takes over when it dies. Without it, this instance always polls.
   */
  lease?: RedisLease;
  options?: Partial<VkAdapterOptions>;
}

export interface VkAdapterOptions {
  /** How long a callback request waits for its event to be handled before answering "ok". */
  callbackBudgetMs: number;
  /** What VK is asked to wait before redelivering an event we could not take. */
  retryAfterSeconds: number;
  longPollWaitSeconds: number;
  minBackoffMs: number;
  maxBackoffMs: number;
  /** How often long polling fetches a batch the core refuses before giving up on it. */
  maxBatchAttempts: number;
  /** Larger files are sent as links. */
  uploadMaxBytes: number;
}

const DEFAULTS: VkAdapterOptions = {
  callbackBudgetMs: 5000,
  retryAfterSeconds: 5,
  longPollWaitSeconds: 25,
  minBackoffMs: 1000,
  maxBackoffMs: 60_000,
  maxBatchAttempts: 5,
  uploadMaxBytes: 50 * 1024 * 1024,
};

export class VkAdapter implements ChannelAdapter {
  readonly channel = 'vk' as const;
  readonly sender: VkSender;
  readonly router?: Router;
  readonly mode: VkMode;
  private readonly tracker: StatusTracker;
  private readonly api: VkApi | null;
  private longPoll?: VkLongPoll | undefined;
  private newLongPoll?: () => VkLongPoll;
  private readonly options: VkAdapterOptions;
  private readonly stopping = new AbortController();
  private checking: Promise<void> | undefined;

  constructor(
    private readonly settings: VkSettings | null,
    private readonly deps: VkAdapterDeps,
  ) {
    this.options = { ...DEFAULTS, ...deps.options };
    this.mode = vkMode(settings);
    const log = deps.log.child({ channel: 'vk' });
    this.tracker = this.mode.kind === 'off' ? new StatusTracker('off', 'VK_TOKEN is not set') : new StatusTracker('connecting');
    if (!settings) {
      this.api = null;
      this.sender = new VkSender(null, null);
      return;
    }
    const api = new VkApi({ token: settings.token, baseUrl: settings.apiBaseUrl, timeoutMs: settings.timeoutMs });
    this.api = api;
    const uploader = new VkUploader(api, {
      ...(deps.files ? { files: deps.files } : {}),
      timeoutMs: Math.max(settings.timeoutMs, 30_000),
      maxBytes: this.options.uploadMaxBytes,
    });
    this.sender = new VkSender(api, uploader, {
      onAuthError: (err) => this.tracker.set('error', { lastError: `VK rejected the token: ${err.message}` }),
      onSent: () => {
        if (this.tracker.get().state === 'error' && this.mode.kind === 'callback') this.tracker.set('connected');
      },
    });
    const ledger: EventLedger = deps.redis ? new RedisEventLedger(deps.redis, deps.redisPrefix ?? 'omnidesk') : new MemoryEventLedger();
    const handler = new VkUpdateHandler({ sink: deps.sink, api, profiles: new VkProfiles(api, log), ledger, log });
    if (this.mode.kind === 'callback') {
      this.router = vkCallbackRouter(
        handler,
        {
          confirmation: this.mode.confirmation,
          secret: this.mode.secret,
          ...(settings.groupId ? { groupId: settings.groupId } : {}),
          budgetMs: this.options.callbackBudgetMs,
          retryAfterSeconds: this.options.retryAfterSeconds,
        },
        log,
      );
    } else if (this.mode.kind === 'longpoll') {
      // A new one each time this instance takes the lease: a stopped long poll stays stopped.
      this.newLongPoll = () =>
        new VkLongPoll(api, handler, this.tracker, log, {
          ...(settings.groupId ? { groupId: settings.groupId } : {}),
          waitSeconds: this.options.longPollWaitSeconds,
          minBackoffMs: this.options.minBackoffMs,
          maxBackoffMs: this.options.maxBackoffMs,
          maxBatchAttempts: this.options.maxBatchAttempts,
        });
    } else if (this.mode.kind === 'misconfigured') {
      this.tracker.set('error', { lastError: this.mode.reason });
      log.error(this.mode.reason);
    }
  }

  async start(): Promise<void> {
    if (this.mode.kind === 'longpoll') this.startLongPoll();
    else if (this.mode.kind === 'callback') this.checking ??= this.checkToken();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.deps.lease?.stop();
    await Promise.all([this.longPoll?.stop(), this.checking]);
    this.api?.close();
    if (this.deps.ownsRedis) this.deps.redis?.disconnect();
  }

  status(): ChannelStatus {
    return this.tracker.get();
  }

  private startLongPoll(): void {
    const create = this.newLongPoll;
    if (!create || this.stopping.signal.aborted) return;
    const lease = this.deps.lease;
    if (!lease) {
      this.longPoll ??= create();
      this.longPoll.start();
      return;
    }
    // Several instances: only the lease holder polls; the others still send.
    lease.start({
      onAcquired: () => {
        if (this.stopping.signal.aborted) return;
        this.tracker.set('connecting', { detail: 'long polling' });
        this.longPoll = create();
        this.longPoll.start();
      },
      onLost: async (reason) => {
        const poll = this.longPoll;
        this.longPoll = undefined;
        await poll?.stop();
        if (reason === 'lost') this.tracker.set('connected', { detail: STANDBY_DETAIL });
      },
      onStandby: () => {
        const now = this.tracker.get();
        if (now.state !== 'connected' || now.detail !== STANDBY_DETAIL) this.tracker.set('connected', { detail: STANDBY_DETAIL });
      },
    });
  }

  /** Callback mode: VK posts to us, so "connected" means the token works. Retried until it does. */
  private async checkToken(): Promise<void> {
    const api = this.api;
    if (!api) return;
    for (let failures = 1; !this.stopping.signal.aborted; failures++) {
      try {
        const group = await fetchGroup(api, this.settings?.groupId);
        this.tracker.set('connected', { detail: `callback API, ${describeGroup(group)}` });
        return;
      } catch (err) {
        if (this.stopping.signal.aborted) return;
        this.tracker.set('error', { detail: 'callback API', lastError: `cannot check the token: ${(err as Error).message}` });
        this.deps.log.warn({ channel: 'vk', failures, err: (err as Error).message }, 'VK token check failed: retrying');
        await sleep(backoffMs(failures, this.options.minBackoffMs, this.options.maxBackoffMs), this.stopping.signal);
      }
    }
  }
}
