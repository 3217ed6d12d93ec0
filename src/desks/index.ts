/** The agent desks the gateway runs: one line per desk. An unconfigured desk reports `off`. */
import type { Desk, DeskDeps } from './desk.js';
import { createSlackDesk } from './slack/index.js';
import { createTelegramDesk } from './telegram/index.js';

export type { Desk, DeskDeps } from './desk.js';

export function createDesks(deps: DeskDeps): Desk[] {
  return [createSlackDesk(deps), createTelegramDesk(deps)];
}
