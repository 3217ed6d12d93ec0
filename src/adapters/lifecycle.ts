/**
 * Runs the messenger adapters for the gateway: registers their senders, mounts their routers,
 * starts and stops them, and gathers their statuses. An adapter is never allowed to hold up or
 * break the gateway: its start runs in the background and a failure shows in its status.
 */
import type { Express } from 'express';
import type { ChannelRegistry } from '../core/channels.js';
import { Channels, type Channel } from '../core/model.js';
import type { Logger } from '../logger.js';
import type { ChannelAdapter, ChannelStatus } from './adapter.js';

/** Channels app.ts serves itself; the others are messengers, reported `off` when no adapter runs them. */
const BUILT_IN: ReadonlySet<Channel> = new Set<Channel>(['widget', 'api']);

/** How long `stop()` lets starts under way settle before stopping anyway. */
const START_SETTLE_MS = 2000;

export class AdapterLifecycle {
  private readonly createdAt = new Date().toISOString();
  private readonly startFailures = new Map<Channel, { error: string; at: string }>();
  private starting: Promise<void> = Promise.resolve();

  constructor(
    readonly adapters: readonly ChannelAdapter[],
    private readonly log: Logger,
  ) {
    const seen = new Set<Channel>();
    for (const { channel } of adapters) {
      if (BUILT_IN.has(channel) || seen.has(channel)) throw new Error(`a second adapter for the ${channel} channel`);
      seen.add(channel);
    }
  }

  /** Hands every adapter's sender to the delivery worker. */
  register(channels: ChannelRegistry): void {
    for (const adapter of this.adapters) channels.register(adapter.sender);
  }

  /** Mounts the adapters' webhook routes; call before any body parser. */
  mount(app: Express): void {
    for (const adapter of this.adapters) if (adapter.router) app.use(adapter.router);
  }

  /** Starts every adapter in the background; `ready()` resolves once all have settled. */
  start(): void {
    this.starting = Promise.all(
      this.adapters.map(async (adapter) => {
        try {
          await adapter.start();
          this.startFailures.delete(adapter.channel);
        } catch (err) {
          const error = err instanceof Error ? err.message : String(err);
          this.startFailures.set(adapter.channel, { error, at: new Date().toISOString() });
          this.log.error({ err, channel: adapter.channel }, 'channel adapter failed to start: the gateway runs without it');
        }
      }),
    ).then(() => undefined);
  }

  /** Resolves once every adapter's start has succeeded or failed (tests wait for it). */
  ready(): Promise<void> {
    return this.starting;
  }

  /**
   * Stops every adapter; a failure is logged, never thrown. A start still under way gets a moment
   * to settle first, so an adapter is not stopped halfway through connecting unless it hangs.
   */
  async stop(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.starting, new Promise((resolve) => (timer = setTimeout(resolve, START_SETTLE_MS)))]);
    clearTimeout(timer);
    await Promise.all(
      this.adapters.map((adapter) =>
        adapter.stop().catch((err: unknown) => this.log.error({ err, channel: adapter.channel }, 'channel adapter failed to stop')),
      ),
    );
  }

  /** Every messenger channel's status: the adapter's own, an `error` if its start failed, or `off`. */
  statuses(): Partial<Record<Channel, ChannelStatus>> {
    const result: Partial<Record<Channel, ChannelStatus>> = {};
    for (const channel of Object.values(Channels)) {
      if (!BUILT_IN.has(channel)) result[channel] = { state: 'off', since: this.createdAt };
    }
    for (const adapter of this.adapters) result[adapter.channel] = this.statusOf(adapter);
    return result;
  }

  private statusOf(adapter: ChannelAdapter): ChannelStatus {
    let status: ChannelStatus;
    try {
      status = adapter.status();
    } catch (err) {
      return { state: 'error', lastError: `status unavailable: ${err instanceof Error ? err.message : String(err)}`, since: this.createdAt };
    }
    const failed = this.startFailures.get(adapter.channel);
    // A start that threw wins over a status the adapter never updated (it may still say `connecting`).
    if (failed && status.state !== 'connected' && status.state !== 'error') {
      return { ...status, state: 'error', lastError: failed.error, since: failed.at };
    }
    return status;
  }
}
