/**
 * The VK channel's settings, taken from the configuration, and how it receives updates:
 * - off: no VK_TOKEN (not an error, and never blocks start-up);
 * - callback: VK_CONFIRMATION and VK_CALLBACK_SECRET are set, VK POSTs events to /webhooks/vk;
 * - long poll: neither is set, the adapter asks VK for events (Bots Long Poll);
 * - misconfigured: only one of the two is set. An unchecked callback would let anyone post
 *   "customer messages", so the channel reports the error instead of guessing.
 */
import type { Config } from '../../config.js';

export interface VkSettings {
  token: string;
  /** The community; found with the token when unset. */
  groupId?: number;
  confirmation?: string;
  callbackSecret?: string;
  /** E.g. https://api.vk.ru/method, or a local fake's http:// URL in tests. */
  apiBaseUrl: string;
  /** How long one API call may take. */
  timeoutMs: number;
}

export type VkMode =
  | { kind: 'off' }
  | { kind: 'callback'; confirmation: string; secret: string }
  | { kind: 'longpoll' }
  | { kind: 'misconfigured'; reason: string };

/** The settings, or null when the channel is off (no token). */
export function vkSettings(config: Config): VkSettings | null {
  if (!config.VK_TOKEN) return null;
  return {
    token: config.VK_TOKEN,
    ...(config.VK_GROUP_ID ? { groupId: config.VK_GROUP_ID } : {}),
    ...(config.VK_CONFIRMATION ? { confirmation: config.VK_CONFIRMATION } : {}),
    ...(config.VK_CALLBACK_SECRET ? { callbackSecret: config.VK_CALLBACK_SECRET } : {}),
    apiBaseUrl: config.VK_API_BASE_URL,
    timeoutMs: config.OUTBOUND_TIMEOUT_MS,
  };
}

export function vkMode(settings: VkSettings | null): VkMode {
  if (!settings) return { kind: 'off' };
  const { confirmation, callbackSecret } = settings;
  if (confirmation && callbackSecret) return { kind: 'callback', confirmation, secret: callbackSecret };
  if (confirmation) return { kind: 'misconfigured', reason: 'VK_CONFIRMATION is set without VK_CALLBACK_SECRET: set both for the Callback API, or neither for Bots Long Poll' };
  if (callbackSecret) return { kind: 'misconfigured', reason: 'VK_CALLBACK_SECRET is set without VK_CONFIRMATION: set both for the Callback API, or neither for Bots Long Poll' };
  return { kind: 'longpoll' };
}
