/**
 * The narrow part of whatsapp-web.js the adapter depends on. Production passes the library's
 * real `Client` (`driver.ts` type-checks it against these interfaces); tests pass an
 * EventEmitter-based fake. Nothing else in the adapter imports whatsapp-web.js.
 */

/** A file as whatsapp-web.js carries it (its `MessageMedia`): base64 data. */
export interface WhatsAppMedia {
  mimetype: string;
  /** Base64. */
  data: string;
  filename?: string | null;
  filesize?: number | null;
}

/** A profile as `Message.getContact()` gives it. */
export interface WhatsAppContact {
  /** The name the customer set for themselves. */
  pushname?: string;
  /** The name saved in the connected phone's address book, if any. */
  name?: string;
  shortName?: string;
  /** Digits only, e.g. "79161234567"; may be empty for privacy (LID) ids. */
  number?: string;
}

/** A location as whatsapp-web.js gives it (coordinates arrive as strings or numbers). */
export interface WhatsAppLocation {
  latitude: string | number;
  longitude: string | number;
  name?: string;
  address?: string;
  url?: string;
  description?: string;
}

/** One message as the `message` and `message_edit` events give it. */
export interface WhatsAppMessage {
  id: { _serialized: string };
  /** The chat: "79161234567@c.us" (or "…@lid"), "…@g.us" for groups, "status@broadcast" for statuses. */
  from: string;
  fromMe: boolean;
  body: string;
  /** "chat", "image", "video", "audio", "ptt" (voice), "document", "sticker", "location", "vcard", "multi_vcard" … */
  type: string;
  /** Unix seconds. */
  timestamp: number;
  hasMedia: boolean;
  hasQuotedMsg: boolean;
  isStatus: boolean;
  broadcast: boolean;
  location?: WhatsAppLocation;
  vCards?: string[];
  /** When the latest edit was made (message_edit), in ms. */
  latestEditSenderTimestampMs?: number;
  /**
   * The raw model whatsapp-web.js keeps (not in its type declarations): the file's metadata is
   * known there before the file is downloaded. Optional: the adapter never relies on it.
   */
  _data?: { mimetype?: string; size?: number; filename?: string };
  downloadMedia(): Promise<WhatsAppMedia | undefined | null>;
  getQuotedMessage(): Promise<{ id: { _serialized: string } } | undefined | null>;
  getContact(): Promise<WhatsAppContact>;
}

/** What `sendMessage` may be given besides text: a file made by the driver. */
export type WhatsAppContent = string | WhatsAppMedia;

export interface WhatsAppSendOptions {
  /** The platform id of the message this one replies to. */
  quotedMessageId?: string;
  /** Send an image or video as a file, as it is. */
  sendMediaAsDocument?: boolean;
  linkPreview?: boolean;
}

/** The client: a session of WhatsApp Web. */
export interface WhatsAppClient {
  on(event: 'qr', listener: (qr: string) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
  on(event: 'message', listener: (message: WhatsAppMessage) => void): unknown;
  on(event: 'message_edit', listener: (message: WhatsAppMessage, newBody: string, prevBody: string) => void): unknown;
  on(event: 'disconnected', listener: (reason: string) => void): unknown;
  on(event: 'auth_failure', listener: (message: string) => void): unknown;
  removeAllListeners(): unknown;
  /** Starts the browser and WhatsApp Web; events follow ('qr' until scanned, then 'ready'). */
  initialize(): Promise<void>;
  /** Resolves with the sent message, or nothing when WhatsApp has no such chat. */
  sendMessage(chatId: string, content: WhatsAppContent, options?: WhatsAppSendOptions): Promise<{ id: { _serialized: string } } | undefined | null>;
  /**
   * A message by its serialized id, to edit one we sent (`edit` resolves null when WhatsApp will
   * not edit it). Optional: a client without it cannot edit.
   */
  getMessageById?(messageId: string): Promise<{ edit(content: string): Promise<unknown> } | undefined | null>;
  destroy(): Promise<void>;
}

/** A file to send, as the adapter has it. */
export interface OutgoingFile {
  data: Buffer;
  mimeType: string;
  name?: string;
}

/**
 * What the adapter needs from the library: a new client per connection attempt (a destroyed
 * client is not reused), and its media class (the real client only sends `MessageMedia`
 * instances as files).
 */
export interface WhatsAppDriver {
  createClient(): WhatsAppClient;
  media(file: OutgoingFile): WhatsAppMedia;
}
