/**
 * The Slack desk from the configuration: on when SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and
 * SLACK_AGENT_CHANNEL are all set; otherwise it reports `off` (or `error` naming what is missing
 * when only some are set) and mounts no route. It never blocks start-up.
 */
import { StatusTracker } from '../../adapters/adapter.js';
import type { Desk, DeskDeps } from '../desk.js';
import { SlackDesk, type SlackDeskOptions } from './desk.js';

export { SlackDesk, SLACK_EVENTS_PATH, type SlackDeskOptions } from './desk.js';

export function createSlackDesk(deps: DeskDeps, options: Partial<SlackDeskOptions> = {}): Desk {
  const { SLACK_BOT_TOKEN: token, SLACK_SIGNING_SECRET: signingSecret, SLACK_AGENT_CHANNEL: channel, SLACK_API_URL: apiUrl } = deps.config;
  if (token && signingSecret && channel) return new SlackDesk({ token, signingSecret, channel, apiUrl }, deps, options);
  const missing = Object.entries({ SLACK_BOT_TOKEN: token, SLACK_SIGNING_SECRET: signingSecret, SLACK_AGENT_CHANNEL: channel })
    .filter(([, v]) => !v)
    .map(([k]) => k);
  const status = new StatusTracker('off');
  if (missing.length < 3) status.set('error', { lastError: `missing ${missing.join(', ')}` });
  return { name: 'slack', start: async () => undefined, stop: async () => undefined, status: () => status.get() };
}
