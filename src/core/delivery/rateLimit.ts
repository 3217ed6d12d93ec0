/**
 * Platforms' sending limits (a sender's `rateLimits`), kept for all instances together in Redis,
 * so a burst waits in the queue instead of meeting the platform's 429.
 *
 * - Per chat: at least `perChatIntervalMs` from the end of one send to a chat to the start of
 *   the next (`sent` restarts the interval once the platform has answered, so a slow or late
 *   send never brings the next one closer). A message that comes too soon is told how long is
 *   left and reserves nothing: only the oldest queued message of a conversation is ever sent,
 *   so no other message of that chat competes for the slot.
 * - Per channel: `perSecond` becomes an even spacing of ceil(1000 / perSecond) ms. A message that
 *   must wait reserves the next free time at once and is told to come back then: waiting messages
 *   are served in turn, with no herd retrying each tick. The last actual send is kept too, so a
 *   message that woke late never squeezes the next one closer than the spacing.
 *
 * One Lua script decides and reserves atomically, on Redis's clock, so instances whose clocks
 * disagree still share one timeline. Keys live under `${REDIS_PREFIX}:rate:`.
 */
import { createHash } from 'node:crypto';
import type { Redis } from '../../redis.js';
import type { Channel, RateLimits } from '../model.js';

// KEYS: 1 the channel's next free time, 2 its last send, 3 the chat's quiet period, 4 this message's reserved time.
// ARGV: 1 channel spacing in ms (0: none), 2 chat interval in ms (0: none).
// Returns 0 (send now: the send is recorded) or the milliseconds to wait.
const SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local spacing = tonumber(ARGV[1])
local chatInterval = tonumber(ARGV[2])
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
local held = tonumber(redis.call('GET', KEYS[4]) or '0')
if held > 0 then
  -- Our reserved time; a send before us that ran late still gets its spacing.
  local left = math.max(held, last + spacing) - now
  if left > 0 then return left end
  redis.call('DEL', KEYS[4])
else
  if chatInterval > 0 then
    local quiet = redis.call('PTTL', KEYS[3])
    if quiet > 0 then return quiet end
  end
  if spacing > 0 then
    local slot = math.max(now, last + spacing, tonumber(redis.call('GET', KEYS[1]) or '0'))
    redis.call('SET', KEYS[1], slot + spacing, 'PX', slot + spacing - now + 1000)
    if slot > now then
      redis.call('SET', KEYS[4], slot, 'PX', slot - now + 60000)
      if chatInterval > 0 then redis.call('SET', KEYS[3], slot, 'PX', slot - now + chatInterval) end
      return slot - now
    end
  end
end
if spacing > 0 then redis.call('SET', KEYS[2], now, 'PX', spacing + 1000) end
if chatInterval > 0 then redis.call('SET', KEYS[3], now, 'PX', chatInterval) end
return 0
`;
const SCRIPT_SHA = createHash('sha1').update(SCRIPT).digest('hex');

export interface SendSlotRequest {
  channel: Channel;
  chatId: string;
  /** The outbound message: a reserved time is held under its id until it is sent. */
  messageId: string;
  limits: RateLimits;
}

export class SendRateLimiter {
  constructor(
    private readonly redis: Redis,
    /** Key prefix, e.g. `omnidesk:rate`. */
    private readonly prefix: string,
  ) {}

  /** 0 when the message may be sent now (its slot is taken), else how many ms to wait first. */
  async acquire({ channel, chatId, messageId, limits }: SendSlotRequest): Promise<number> {
    const { spacing, chatInterval } = intervals(limits);
    if (!spacing && !chatInterval) return 0;
    const args = [
      4,
      `${this.prefix}:${channel}:next`,
      `${this.prefix}:${channel}:last`,
      `${this.prefix}:${channel}:chat:${chatId}`,
      `${this.prefix}:held:${messageId}`,
      spacing,
      chatInterval,
    ] as const;
    try {
      return Number(await this.redis.evalsha(SCRIPT_SHA, ...args));
    } catch (err) {
      // The first call after a Redis restart: load the script and run it.
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return Number(await this.redis.eval(SCRIPT, ...args));
    }
  }

  /** After a send to the chat (answered or failed): its interval counts from now. */
  async sent({ channel, chatId, limits }: Omit<SendSlotRequest, 'messageId'>): Promise<void> {
    const { chatInterval } = intervals(limits);
    if (chatInterval) await this.redis.set(`${this.prefix}:${channel}:chat:${chatId}`, '1', 'PX', chatInterval);
  }
}

/** Whole milliseconds: the channel's spacing (from perSecond) and the per-chat interval; 0 is none. */
function intervals(limits: RateLimits): { spacing: number; chatInterval: number } {
  return {
    spacing: limits.perSecond && limits.perSecond > 0 ? Math.ceil(1000 / limits.perSecond) : 0,
    chatInterval: limits.perChatIntervalMs && limits.perChatIntervalMs > 0 ? Math.ceil(limits.perChatIntervalMs) : 0,
  };
}
