/**
 * The VK channel from the configuration: `createVkAdapter(deps)`, one line in
 * src/adapters/index.ts. Without VK_TOKEN the channel is off (and says so in its status); with
 * VK_CONFIRMATION and VK_CALLBACK_SECRET it takes the Callback API at POST /webhooks/vk, else
 * it uses Bots Long Poll.
 */
import type { Redis } from '../../redis.js';
import { createRedis } from '../../redis.js';
import type { ChannelAdapterDeps } from '../index.js';
import { RedisLease } from '../lease.js';
import { VkAdapter, type VkAdapterOptions } from './adapter.js';
import { vkMode, vkSettings } from './settings.js';

export { VkAdapter, type VkAdapterOptions } from './adapter.js';
export { VK_WEBHOOK_PATH } from './callback.js';

export function createVkAdapter(deps: Pick<ChannelAdapterDeps, 'config' | 'sink' | 'files' | 'log'> & { redis?: Redis }, options: Partial<VkAdapterOptions> = {}): VkAdapter {
  const { config } = deps;
  const settings = vkSettings(config);
  // The record of handled events is shared through Redis. Commands fail at once while Redis is
  // away (no offline queue): the adapter then goes on without it rather than waiting.
  const own = !deps.redis && settings ? createRedis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1 }) : undefined;
  own?.on('error', (err: Error) => deps.log.debug({ channel: 'vk', err: err.message }, 'VK adapter: redis connection error'));
  const redis = deps.redis ?? own;
  return new VkAdapter(settings, {
    sink: deps.sink,
    log: deps.log,
    ...(redis ? { redis, ownsRedis: Boolean(own) } : {}),
    redisPrefix: config.REDIS_PREFIX,
    files: deps.files,
    // Long polling runs on one instance at a time (the callback API on all of them).
    ...(redis && vkMode(settings).kind === 'longpoll'
      ? { lease: new RedisLease(redis, `${config.REDIS_PREFIX}:lease:vk`, deps.log.child({ channel: 'vk' }), { ttlMs: config.POLLER_LEASE_TTL_MS }) }
      : {}),
    options,
  });
}
