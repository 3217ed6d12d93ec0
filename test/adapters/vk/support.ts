/** A gateway with the VK channel on, pointed at a FakeVk, and the helpers VK tests share. */
import { expect } from 'vitest';
import { SAMPLE_KB_DIR } from '../../../src/kb/setup.js';
import { eventually, startTestGateway, type TestGateway } from '../../support/gateway.js';
import { FAKE_GROUP_ID, type FakeVk, type SentMessage, type VkUpdateEnvelope, postCallback } from './fakeVk.js';
import type { GatewayOptions } from '../../../src/app.js';

export const CONFIRMATION = 'c0nf1rm-7001';
export const SECRET = 'vk-callback-secret';

/** The environment that turns VK on: Callback API unless `longPoll`. */
export function vkEnv(fake: FakeVk, opts: { longPoll?: boolean } = {}): Record<string, string> {
  return {
    KB_DIR: SAMPLE_KB_DIR,
    VK_TOKEN: fake.token,
    VK_GROUP_ID: String(FAKE_GROUP_ID),
    VK_API_BASE_URL: fake.baseUrl,
    ...(opts.longPoll ? {} : { VK_CONFIRMATION: CONFIRMATION, VK_CALLBACK_SECRET: SECRET }),
  };
}

/** Starts a gateway the way production does: the VK adapter comes from createChannelAdapters. */
export async function startVkGateway(fake: FakeVk, opts: { longPoll?: boolean; env?: Record<string, string>; adapters?: GatewayOptions['adapters'] } = {}): Promise<TestGateway> {
  const t = await startTestGateway({ ...vkEnv(fake, opts), ...opts.env }, opts.adapters ? { adapters: opts.adapters } : {});
  await t.gateway.adapters.ready();
  return t;
}

/** The customer's side of one VK dialog. */
export class VkCustomer {
  constructor(
    readonly t: TestGateway,
    readonly fake: FakeVk,
    readonly peerId: number,
  ) {}

  /** Writes a message through the Callback API (as VK posts it); returns the event. */
  async say(text: string, opts: Parameters<FakeVk['message']>[2] = {}): Promise<VkUpdateEnvelope> {
    const update = this.fake.message(this.peerId, text, opts);
    await this.deliver(update);
    return update;
  }

  async deliver(update: VkUpdateEnvelope): Promise<void> {
    const res = await postCallback(this.t.baseUrl, update, SECRET);
    expect(res.status).toBe(200);
    expect(res.text).toBe('ok');
  }

  /** Presses a button of a keyboard we sent, as VK does for a text button: its label, with its payload. */
  async press(message: SentMessage, label: string): Promise<void> {
    const button = message.keyboard?.buttons.flat().find((b) => b.action.label === label);
    if (!button) throw new Error(`no button "${label}" in ${JSON.stringify(message.keyboard)}`);
    await this.say(label, { payload: button.action.payload });
  }

  received(): SentMessage[] {
    return this.fake.sentTo(this.peerId);
  }

  /** Waits for the n-th message (1-based) the gateway sent to this dialog. */
  message(n: number, timeoutMs = 8000): Promise<SentMessage> {
    return eventually(() => this.received()[n - 1], timeoutMs, `VK message #${n} to peer ${this.peerId}`);
  }

  async ticketNumber(): Promise<number> {
    return eventually(async () => {
      const conversation = await this.t.gateway.db.conversation.findFirst({
        where: { channel: 'vk', externalChatId: String(this.peerId) },
        include: { tickets: { orderBy: { number: 'desc' }, take: 1, select: { number: true } } },
      });
      return conversation?.tickets[0]?.number;
    }, 5000, `a ticket for peer ${this.peerId}`);
  }

  async ticket(): Promise<TicketJson> {
    const res = await this.t.api('GET', `/tickets/${await this.ticketNumber()}`);
    expect(res.status).toBe(200);
    return (await res.json()) as TicketJson;
  }
}

export interface TicketJson {
  number: number;
  status: string;
  botActive: boolean;
  channel: string;
  contact: { name: string | null; language: string | null } | null;
  messages: Array<{
    id: string;
    direction: string;
    author: { kind: string; name: string | null };
    text: string;
    attachments: Array<{ kind: string; url?: string; mimeType?: string; name?: string; size?: number; data?: Record<string, unknown>; error?: string }>;
    buttons: Array<{ id: string; label: string }>;
    editedAt: string | null;
    edits: Array<{ previousText: string }>;
    delivery: { state: string; attempts: number; error: string | null } | null;
  }>;
}

/** The ids of a keyboard's buttons (from their payloads). */
export function buttonIds(message: SentMessage): string[] {
  return (message.keyboard?.buttons.flat() ?? []).map((b) => (JSON.parse(b.action.payload ?? '{}') as { b?: string }).b ?? '');
}
