/**
 * How an outbound message reads on WhatsApp: plain text (WhatsApp has no markup to inject: at
 * worst `*word*` shows bold), buttons as a numbered list (long texts are split by src/adapters/text.ts).
 */
import type { OutboundMessage } from '../../core/model.js';

/** WhatsApp takes longer messages, but long ones are hard to read on a phone: split here. */
export const MAX_TEXT_LENGTH = 4096;

/**
 * The text with the buttons as numbered options ("1. Yes"), since WhatsApp Web has no
 * dependable buttons. The bot's own messages already word their options for channels without
 * buttons ("reply yes or no", a numbered list: src/kb/bot-messages.ts) and the bot maps the
 * typed answer back, so their buttons are not listed again: a second, differently numbered list
 * would contradict the first.
 */
export function renderText(message: Pick<OutboundMessage, 'text' | 'buttons' | 'author'>): string {
  const text = message.text.trim();
  if (message.author.kind === 'bot' || message.buttons.length === 0) return text;
  const options = message.buttons.map((b, i) => `${i + 1}. ${b.label}`).join('\n');
  return text ? `${text}\n\n${options}` : options;
}
