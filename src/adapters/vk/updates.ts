/**
 * Handles one VK event, whichever way it came (Callback API or Bots Long Poll): new messages go
 * to the pipeline, edits are recorded as edits, callback-button presses come in as messages with
 * their button id (and are answered, so the customer's spinner stops). Other event types are
 * ignored. Throws when the core could not take the event, so the caller can have it redelivered.
 */
import type { InboundSink } from '../adapter.js';
import type { Logger } from '../../logger.js';
import type { VkApi } from './api.js';
import type { EventLedger } from './eventLedger.js';
import type { VkProfiles } from './profiles.js';
import { vkMessage, vkMessageEvent, vkMessageNew, vkUpdate, type VkUpdate } from './schema.js';
import { isCustomerMessage, toButtonPress, toInboundEdit, toInboundMessage } from './translate.js';

/** What became of an event. `busy`: another handler has it right now (ask VK to retry later). */
export type Outcome = 'handled' | 'duplicate' | 'busy' | 'ignored';

const HANDLED = new Set(['message_new', 'message_edit', 'message_event']);

export interface UpdateHandlerDeps {
  sink: InboundSink;
  api: VkApi;
  profiles: VkProfiles;
  ledger: EventLedger;
  log: Logger;
}

export class VkUpdateHandler {
  constructor(private readonly deps: UpdateHandlerDeps) {}

  async handle(raw: unknown): Promise<Outcome> {
    const parsed = vkUpdate.safeParse(raw);
    if (!parsed.success) {
      this.deps.log.warn({ issues: parsed.error.issues.slice(0, 3) }, 'VK sent an event that is not one: ignored');
      return 'ignored';
    }
    const update = parsed.data;
    if (!HANDLED.has(update.type)) return 'ignored';
    const eventId = update.event_id;
    if (eventId) {
      const claim = await this.deps.ledger.claim(eventId).catch((err: unknown) => {
        // Without the ledger, the pipeline's message keys still stop duplicate messages.
        this.deps.log.warn({ eventId, err: (err as Error).message }, 'VK event ledger unavailable: handling the event without it');
        return 'claimed' as const;
      });
      if (claim === 'done') return 'duplicate';
      if (claim === 'busy') return 'busy';
    }
    try {
      const outcome = await this.dispatch(update);
      if (eventId) await this.deps.ledger.done(eventId).catch(() => undefined);
      return outcome;
    } catch (err) {
      if (eventId) await this.deps.ledger.release(eventId).catch(() => undefined);
      throw err;
    }
  }

  private async dispatch(update: VkUpdate): Promise<Outcome> {
    switch (update.type) {
      case 'message_new':
        return this.messageNew(update);
      case 'message_edit':
        return this.messageEdit(update);
      case 'message_event':
        return this.messageEvent(update);
      default:
        return 'ignored';
    }
  }

  private async messageNew(update: VkUpdate): Promise<Outcome> {
    const parsed = vkMessageNew.safeParse(update.object);
    if (!parsed.success) return this.malformed(update);
    const { message, client_info: client } = parsed.data;
    if (!isCustomerMessage(message)) return 'ignored';
    const from = await this.deps.profiles.sender(message.from_id, client?.lang_id);
    const inbound = toInboundMessage(message, from);
    if (!inbound) return this.malformed(update);
    const result = await this.deps.sink.ingest(inbound);
    this.deps.log.debug({ eventId: update.event_id, messageId: inbound.messageId, ticketNumber: result.ticketNumber, duplicate: result.duplicate }, 'VK message received');
    return result.duplicate ? 'duplicate' : 'handled';
  }

  private async messageEdit(update: VkUpdate): Promise<Outcome> {
    const parsed = vkMessage.safeParse(update.object);
    if (!parsed.success) return this.malformed(update);
    if (!isCustomerMessage(parsed.data)) return 'ignored';
    const edit = toInboundEdit(parsed.data);
    if (!edit) return this.malformed(update);
    const known = await this.deps.sink.edit(edit);
    if (!known) this.deps.log.info({ eventId: update.event_id, messageId: edit.messageId }, 'VK edit of a message we do not have: ignored');
    return known ? 'handled' : 'ignored';
  }

  private async messageEvent(update: VkUpdate): Promise<Outcome> {
    const parsed = vkMessageEvent.safeParse(update.object);
    if (!parsed.success) return this.malformed(update);
    const event = parsed.data;
    const press = toButtonPress(event, await this.deps.profiles.sender(event.user_id));
    if (press) await this.deps.sink.ingest(press);
    // Stops the button's spinner; the reply itself comes as a message. Valid for a minute only.
    await this.deps.api
      .call('messages.sendMessageEventAnswer', { event_id: event.event_id, user_id: event.user_id, peer_id: event.peer_id })
      .catch((err: unknown) => this.deps.log.warn({ eventId: update.event_id, err: (err as Error).message }, 'VK sendMessageEventAnswer failed'));
    return press ? 'handled' : 'ignored';
  }

  private malformed(update: VkUpdate): Outcome {
    this.deps.log.warn({ eventId: update.event_id, type: update.type }, 'VK event without the fields we need: ignored');
    return 'ignored';
  }
}
