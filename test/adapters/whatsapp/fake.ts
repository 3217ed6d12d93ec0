/**
 * A fake of whatsapp-web.js for tests: an EventEmitter that plays WhatsApp Web's side of the
 * narrow client interface. Tests play the customer (`receive`, `edit`) and the network
 * (`disconnect`, `failSends`), and read what the gateway sent (`sent`).
 */
import { EventEmitter } from 'node:events';
import type { OutgoingFile, WhatsAppClient, WhatsAppContact, WhatsAppContent, WhatsAppDriver, WhatsAppMedia, WhatsAppMessage, WhatsAppSendOptions } from '../../../src/adapters/whatsapp/client.js';

export interface SentMessage {
  chatId: string;
  content: WhatsAppContent;
  options: WhatsAppSendOptions | undefined;
  id: string;
  /** Which client (connection) sent it. */
  client: number;
}

/** How a new client behaves on `initialize`. */
export type StartMode = 'ready' | 'qr' | 'fail' | 'manual';

export class FakeWhatsApp implements WhatsAppDriver {
  readonly clients: FakeClient[] = [];
  /** Every message sent, by any client. */
  readonly sent: SentMessage[] = [];
  /** What the next clients do on initialize, in turn; the last one repeats. */
  startModes: StartMode[] = ['ready'];
  /** Chats WhatsApp does not know: sending there resolves with nothing, as the real client does. */
  readonly unknownChats = new Set<string>();
  /** Our messages edited (`Message.edit`), in order: the message's id and its new text. */
  readonly edits: Array<{ id: string; content: string }> = [];
  private counter = 0;

  createClient(): FakeClient {
    const mode = this.startModes.length > 1 ? this.startModes.shift()! : (this.startModes[0] ?? 'ready');
    const client = new FakeClient(this, this.clients.length + 1, mode);
    this.clients.push(client);
    return client;
  }

  media(file: OutgoingFile): WhatsAppMedia {
    return { mimetype: file.mimeType, data: file.data.toString('base64'), filename: file.name ?? null, filesize: file.data.length };
  }

  /** The client of the current connection. */
  get current(): FakeClient {
    const client = this.clients.at(-1);
    if (!client) throw new Error('no WhatsApp client was created yet');
    return client;
  }

  nextId(chatId: string): string {
    return `true_${chatId}_OUT${++this.counter}`;
  }

  sentTo(chatId: string): SentMessage[] {
    return this.sent.filter((s) => s.chatId === chatId);
  }

  /** The texts sent to a chat, in order. */
  textsTo(chatId: string): string[] {
    return this.sentTo(chatId).flatMap((s) => (typeof s.content === 'string' ? [s.content] : []));
  }
}

export class FakeClient extends EventEmitter implements WhatsAppClient {
  initialized = false;
  destroyed = false;
  /** While set, sendMessage rejects with this error (WhatsApp Web trouble). */
  failSends: Error | undefined;

  constructor(
    private readonly wa: FakeWhatsApp,
    readonly number: number,
    private readonly mode: StartMode,
  ) {
    super();
  }

  async initialize(): Promise<void> {
    this.initialized = true;
    await Promise.resolve();
    if (this.mode === 'fail') throw new Error('net::ERR_NAME_NOT_RESOLVED at https://web.whatsapp.com/');
    if (this.mode === 'qr') this.emit('qr', `2@fake-qr-${this.number},${'x'.repeat(40)}==,${'y'.repeat(40)}=,${'z'.repeat(20)}==`);
    if (this.mode === 'ready') this.emit('ready');
  }

  async sendMessage(chatId: string, content: WhatsAppContent, options?: WhatsAppSendOptions): Promise<{ id: { _serialized: string } } | undefined> {
    if (this.destroyed) throw new Error('Protocol error (Runtime.callFunctionOn): Session closed. Most likely the page has been closed.');
    if (this.failSends) throw this.failSends;
    if (this.wa.unknownChats.has(chatId)) return undefined;
    const id = this.wa.nextId(chatId);
    this.wa.sent.push({ chatId, content, options, id, client: this.number });
    return { id: { _serialized: id } };
  }

  async destroy(): Promise<void> {
    this.destroyed = true;
  }

  /** One of our sent messages, to edit (`edit` resolves null once it is past WhatsApp's edit window, as the real one does). */
  async getMessageById(id: string): Promise<{ edit(content: string): Promise<unknown> } | null> {
    const sent = this.wa.sent.find((s) => s.id === id);
    if (!sent) return null;
    return {
      edit: async (content: string) => {
        this.wa.edits.push({ id, content });
        sent.content = content;
        return { id: { _serialized: id } };
      },
    };
  }

  /** WhatsApp logs this session out or loses it. */
  disconnect(reason = 'NAVIGATION'): void {
    this.emit('disconnected', reason);
  }

  /** The customer sends a message. */
  receive(msg: WhatsAppMessage): void {
    this.emit('message', msg);
  }

  /** The customer edits a message they sent. */
  edit(msg: WhatsAppMessage, newBody: string): void {
    this.emit('message_edit', { ...msg, body: newBody, latestEditSenderTimestampMs: Date.now() }, newBody, msg.body);
  }
}

let messageCounter = 0;

/** A customer's message as whatsapp-web.js builds it; `media` makes it downloadable. */
export function customerMessage(
  chatId: string,
  fields: Partial<Omit<WhatsAppMessage, 'downloadMedia' | 'getContact' | 'getQuotedMessage'>> & {
    contact?: WhatsAppContact;
    media?: WhatsAppMedia | null;
    quotedId?: string;
  } = {},
): WhatsAppMessage & { downloads: number } {
  const { contact, media, quotedId, ...rest } = fields;
  const msg = {
    id: { _serialized: `false_${chatId}_IN${++messageCounter}${Date.now()}` },
    from: chatId,
    fromMe: false,
    body: '',
    type: 'chat',
    timestamp: Math.floor(Date.now() / 1000),
    hasMedia: media !== undefined,
    hasQuotedMsg: quotedId !== undefined,
    isStatus: false,
    broadcast: false,
    downloads: 0,
    ...rest,
    async downloadMedia() {
      msg.downloads++;
      return media ?? undefined;
    },
    async getQuotedMessage() {
      return quotedId ? { id: { _serialized: quotedId } } : undefined;
    },
    async getContact() {
      return contact ?? { pushname: 'Olga', number: chatId.split('@')[0] };
    },
  };
  return msg;
}

let chatCounter = 0;

/** A fresh customer's chat id, e.g. "7916000123@c.us". */
export function newChatId(): string {
  return `79${String(Date.now() % 1e7).padStart(7, '0')}${String(++chatCounter).padStart(2, '0')}@c.us`;
}
