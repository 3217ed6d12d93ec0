/** A customer chatting through the API channel, and what the gateway sent back to them. */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { eventually, type TestGateway } from '../support/gateway.js';
import type { WebhookReceiver } from '../support/webhookReceiver.js';

export interface Outbound {
  messageId: string;
  chatId: string;
  text: string;
  ticketNumber: number;
  author: { kind: string; name: string | null };
  buttons: Array<{ id: string; label: string }>;
}

export interface TicketJson {
  number: number;
  status: string;
  botActive: boolean;
  messages: Array<{ id: string; direction: string; author: { kind: string; name: string | null }; text: string; buttons: Array<{ id: string; label: string }> }>;
  events: Array<{ type: string; actor: { kind: string; name: string | null }; data: Record<string, unknown> }>;
}

export class Chat {
  readonly chatId = randomUUID();
  number = 0;

  constructor(
    private readonly t: TestGateway,
    private readonly hook: WebhookReceiver,
    readonly name = 'Olga',
  ) {}

  /** Sends a customer message; returns the stored message's id. */
  async say(text: string, extra: Record<string, unknown> = {}): Promise<string> {
    const res = await this.t.inbound({ chatId: this.chatId, messageId: randomUUID(), from: { id: `u-${this.chatId}`, name: this.name }, text, ...extra });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { ticketNumber: number; messageId: string };
    this.number = body.ticketNumber;
    return body.messageId;
  }

  /** Presses a button we were sent (its label comes along as the text, like the widget does). */
  press(button: { id: string; label: string }): Promise<string> {
    return this.say(button.label, { buttonId: button.id });
  }

  /** The bot's messages delivered to this chat's webhook so far. */
  botMessages(): Outbound[] {
    return this.hook.received.map((r) => r.body as unknown as Outbound).filter((b) => b.chatId === this.chatId && b.author.kind === 'bot');
  }

  /** Waits for the bot's n-th message (1-based) to be delivered. */
  async botMessage(n: number): Promise<Outbound> {
    return eventually(() => this.botMessages()[n - 1], 8000, `bot message #${n} in chat ${this.chatId}`);
  }

  async ticket(): Promise<TicketJson> {
    const res = await this.t.api('GET', `/tickets/${this.number}`);
    expect(res.status).toBe(200);
    return (await res.json()) as TicketJson;
  }

  /** Bot messages stored in the ticket (once every listener is done): for checking silence. */
  async storedBotMessages(): Promise<number> {
    await this.t.gateway.events.idle();
    return (await this.ticket()).messages.filter((m) => m.author.kind === 'bot').length;
  }
}
