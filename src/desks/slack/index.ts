/**
 * The Slack desk from the configuration: on when SLACK_BOT_TOKEN and SLACK_AGENT_CHANNEL are set
 * with a way for Slack's requests to come: SLACK_SIGNING_SECRET (HTTP, POST /slack/events) or
 * SLACK_APP_TOKEN (Socket Mode). Otherwise it reports `off` (or `error` naming what is missing
 * when only some are set) and mounts no route. It never blocks start-up.
 */
import { StatusTracker } from '../../adapters/adapter.js';
import type { Desk, DeskDeps } from '../desk.js';
import { SlackDesk, type SlackDeskOptions } from './desk.js';

export { SlackDesk, SLACK_EVENTS_PATH, type SlackDeskOptions } from './desk.js';

export function createSlackDesk(deps: DeskDeps, options: Partial<SlackDeskOptions> = {}): Desk {
  const { SLACK_BOT_TOKEN: token, SLACK_SIGNING_SECRET: signingSecret, SLACK_APP_TOKEN: appToken, SLACK_AGENT_CHANNEL: channel, SLACK_API_URL: apiUrl } = deps.config;
  if (token && channel && (signingSecret || appToken)) {
    return new SlackDesk({ token, channel, apiUrl, ...(signingSecret ? { signingSecret } : {}), ...(appToken ? { appToken } : {}) }, deps, options);
  }
  const missing = Object.entries({ SLACK_BOT_TOKEN: token, SLACK_AGENT_CHANNEL: channel, 'SLACK_SIGNING_SECRET or SLACK_APP_TOKEN': signingSecret ?? appToken })
    .filter(([, v]) => !v)
    .map(([k]) => k);
  const status = new StatusTracker('off');
  if (missing.length < 3 || deps.config.SLACK_CUSTOMER_CHANNELS.length) status.set('error', { lastError: `missing ${missing.join(', ')}` });
  return { name: 'slack', start: async () => undefined, stop: async () => undefined, status: () => status.get() };
}
