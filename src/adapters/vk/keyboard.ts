/**
 * Buttons as VK keyboards. Every button goes out as a text button of an inline keyboard (shown
 * under the message, on every client that shows keyboards): pressing one sends its label as the
 * customer's message, with the button's payload `{"b": "<button id>"}` attached, which comes back
 * as `InboundMessage.buttonId`. A callback button's press (`message_event`) carries the same payload.
 *
 * VK's limits: a payload of at most 255 bytes (a longer id is left out: the label still arrives
 * as text), labels of at most 40 characters, an inline keyboard of at most 6 rows and 10 buttons
 * (buttons beyond that are listed in the text instead).
 */
import { Keyboard } from 'vk-io';
import type { Button } from '../../core/model.js';
import { clip } from './text.js';

export const PAYLOAD_MAX_BYTES = 255;
export const LABEL_MAX = 40;
const INLINE_MAX_BUTTONS = 10;
const INLINE_MAX_ROWS = 6;

/** The payload of a button with this id, or undefined when it would be over VK's limit. */
export function buttonPayload(id: string): Record<string, string> | undefined {
  const payload = { b: id };
  return Buffer.byteLength(JSON.stringify(payload)) <= PAYLOAD_MAX_BYTES ? payload : undefined;
}

/** The button id in a press's payload: a JSON string (message_new) or an object (message_event). */
export function buttonIdFromPayload(raw: unknown): string | undefined {
  let payload = raw;
  if (typeof raw === 'string') {
    try {
      payload = JSON.parse(raw);
    } catch {
      return undefined;
    }
  }
  if (payload && typeof payload === 'object' && 'b' in payload && typeof payload.b === 'string' && payload.b) return payload.b;
  return undefined;
}

export interface RenderedKeyboard {
  /** The `keyboard` parameter of messages.send, when there are buttons. */
  keyboard?: string;
  /** Buttons that did not fit, to list in the text. */
  overflow: Button[];
}

export function renderKeyboard(buttons: Button[]): RenderedKeyboard {
  if (buttons.length === 0) return { overflow: [] };
  const shown = buttons.slice(0, INLINE_MAX_BUTTONS);
  const perRow = Math.ceil(shown.length / INLINE_MAX_ROWS);
  const builder = Keyboard.builder().inline();
  shown.forEach((button, i) => {
    if (i > 0 && i % perRow === 0) builder.row();
    const payload = buttonPayload(button.id);
    builder.textButton({ label: clip(button.label, LABEL_MAX), ...(payload ? { payload } : {}) });
  });
  return { keyboard: String(builder), overflow: buttons.slice(INLINE_MAX_BUTTONS) };
}
