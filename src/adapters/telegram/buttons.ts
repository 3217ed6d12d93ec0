/**
 * Buttons as Telegram inline keyboards. A press comes back as a callback query carrying the
 * button's `callback_data`, which Telegram caps at 64 bytes. Ids that fit travel as they are;
 * longer ones (a KB article with a long slug …) travel as a hash, `#` + 32 base64url chars,
 * and are mapped back by hashing the ids the pressed message could have carried.
 */
import { createHash } from 'node:crypto';
import type { InlineKeyboardButton, InlineKeyboardMarkup, MaybeInaccessibleMessage } from 'grammy/types';
import type { Button } from '../../core/model.js';

/** Telegram's limit on `callback_data`, in bytes. */
export const CALLBACK_DATA_LIMIT = 64;
const HASHED = '#';

/** The `callback_data` for a button id: the id itself when it fits, else its hash. */
export function callbackData(id: string): string {
  if (Buffer.byteLength(id, 'utf8') <= CALLBACK_DATA_LIMIT && !id.startsWith(HASHED)) return id;
  return HASHED + createHash('sha256').update(id).digest('base64url').slice(0, 32);
}

/** True when `data` is a hash that must be mapped back to its id. */
export function isHashed(data: string): boolean {
  return data.startsWith(HASHED);
}

/** The id among `candidates` whose callback data is `data`. */
export function matchCallbackData(data: string, candidates: Iterable<string>): string | undefined {
  for (const id of candidates) if (callbackData(id) === data) return id;
  return undefined;
}

/** Labels this short (and few enough buttons) share one row, like "Yes" / "No"; others get a row each. */
const SHORT_LABEL = 16;
const MAX_PER_ROW = 3;
/** Telegram needs a non-empty label; very long ones are cut for the phone's screen. */
const MAX_LABEL = 120;

/** The inline keyboard for the core's buttons. */
export function inlineKeyboard(buttons: readonly Button[]): InlineKeyboardMarkup {
  const keys: InlineKeyboardButton[] = buttons.map((b) => ({ text: label(b), callback_data: callbackData(b.id) }));
  const oneRow = keys.length <= MAX_PER_ROW && keys.every((k) => k.text.length <= SHORT_LABEL);
  return { inline_keyboard: oneRow ? [keys] : keys.map((k) => [k]) };
}

function label(b: Button): string {
  const text = b.label.trim() || b.id;
  return text.length > MAX_LABEL ? `${text.slice(0, MAX_LABEL - 1)}…` : text;
}

/** The label of the pressed button, read from the keyboard of the message it was on. */
export function pressedLabel(message: MaybeInaccessibleMessage | undefined, data: string): string | undefined {
  for (const row of message?.reply_markup?.inline_keyboard ?? []) {
    for (const key of row) if ('callback_data' in key && key.callback_data === data) return key.text;
  }
  return undefined;
}
