/**
 * Who wrote: VK updates carry only the user's id, so the name and screen name come from
 * `users.get`, cached (a customer writes many messages), and the language from the client's
 * `lang_id`. A lookup that fails or is slow never holds a message up: it goes in with the id
 * alone, and the contact is filled in from a later message.
 */
import type { Logger } from '../../logger.js';
import type { Sender } from '../../core/model.js';
import type { VkApi } from './api.js';

/** VK's interface languages (`client_info.lang_id`) as ISO 639-1. */
const LANGUAGES: Record<number, string> = { 0: 'ru', 1: 'uk', 2: 'be', 3: 'en', 4: 'es', 5: 'fi', 6: 'de', 7: 'it' };

interface Profile {
  name?: string;
  username?: string;
}

interface Cached {
  profile: Profile;
  until: number;
}

interface VkUser {
  id: number;
  first_name?: string;
  last_name?: string;
  screen_name?: string;
  deactivated?: string;
}

export interface ProfileOptions {
  /** How long a profile is reused. */
  ttlMs: number;
  /** How long a failed lookup is not retried. */
  failureTtlMs: number;
  /** How long a message waits for a lookup. */
  timeoutMs: number;
  maxEntries: number;
}

const DEFAULTS: ProfileOptions = { ttlMs: 60 * 60_000, failureTtlMs: 60_000, timeoutMs: 3000, maxEntries: 10_000 };

export class VkProfiles {
  private readonly cache = new Map<number, Cached>();
  private readonly pending = new Map<number, Promise<Profile>>();
  private readonly options: ProfileOptions;

  constructor(
    private readonly api: VkApi,
    private readonly log: Logger,
    options: Partial<ProfileOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** The sender of a message from `userId` (a community's id is negative: no profile). */
  async sender(userId: number, langId?: number): Promise<Sender> {
    const language = langId !== undefined ? LANGUAGES[langId] : undefined;
    const profile = userId > 0 ? await this.profile(userId) : {};
    return { id: String(userId), ...profile, ...(language ? { language } : {}) };
  }

  private async profile(userId: number): Promise<Profile> {
    const hit = this.cache.get(userId);
    if (hit && hit.until > Date.now()) return hit.profile;
    let lookup = this.pending.get(userId);
    if (!lookup) {
      lookup = this.lookup(userId).finally(() => this.pending.delete(userId));
      this.pending.set(userId, lookup);
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<Profile>((resolve) => {
      timer = setTimeout(() => resolve({}), this.options.timeoutMs);
    });
    try {
      return await Promise.race([lookup, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async lookup(userId: number): Promise<Profile> {
    try {
      const [user] = await this.api.call<VkUser[]>('users.get', { user_ids: userId, fields: 'screen_name' });
      const name = [user?.first_name, user?.last_name].filter(Boolean).join(' ').trim();
      const profile: Profile = { ...(name ? { name } : {}), ...(user?.screen_name ? { username: user.screen_name } : {}) };
      this.remember(userId, profile, this.options.ttlMs);
      return profile;
    } catch (err) {
      this.log.warn({ userId, err: (err as Error).message }, 'VK users.get failed: the message goes in without the profile');
      this.remember(userId, {}, this.options.failureTtlMs);
      return {};
    }
  }

  private remember(userId: number, profile: Profile, ttlMs: number): void {
    if (this.cache.size >= this.options.maxEntries) {
      // Maps iterate in insertion order: drop the oldest entry.
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.delete(userId);
    this.cache.set(userId, { profile, until: Date.now() + ttlMs });
  }
}
