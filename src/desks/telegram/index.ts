/**
 * The Telegram desk from the configuration: on when TELEGRAM_AGENT_CHAT_ID is set and there is a
 * bot to run it, TELEGRAM_DESK_BOT_TOKEN or else the customer bot's TELEGRAM_BOT_TOKEN; otherwise
 * it reports `off` (or `error` naming what is missing). It never blocks start-up.
 */
import { StatusTracker } from '../../adapters/adapter.js';
import type { Desk, DeskDeps } from '../desk.js';
import { TelegramDesk, type TelegramDeskOptions } from './desk.js';

export { TelegramDesk, type TelegramDeskOptions, type TelegramDeskSettings } from './desk.js';

export function createTelegramDesk(deps: DeskDeps, options: Partial<TelegramDeskOptions> = {}): Desk {
  const { TELEGRAM_AGENT_CHAT_ID: agentChatId, TELEGRAM_DESK_BOT_TOKEN: ownToken, TELEGRAM_BOT_TOKEN: customerToken, TELEGRAM_API_ROOT: apiRoot } = deps.config;
  const token = ownToken ?? customerToken;
  const off = (state: 'off' | 'error', why: string): Desk => {
    const status = new StatusTracker(state, state === 'off' ? why : undefined);
    if (state === 'error') status.set('error', { lastError: why });
    return { name: 'telegram', start: async () => undefined, stop: async () => undefined, status: () => status.get() };
  };
  if (!agentChatId) return off('off', 'TELEGRAM_AGENT_CHAT_ID is not set');
  if (!token) return off('error', 'missing TELEGRAM_BOT_TOKEN (or TELEGRAM_DESK_BOT_TOKEN)');
  // One bot serves one getUpdates consumer: sharing the customer bot means taking its updates from the customer adapter.
  const sameBot = token === customerToken;
  if (sameBot && !deps.telegramDeskTap) return off('error', 'the desk shares the customer bot but the gateway gave it no update tap');
  return new TelegramDesk({ token, apiRoot: apiRoot.replace(/\/+$/, ''), agentChatId, sameBot }, deps, options);
}
