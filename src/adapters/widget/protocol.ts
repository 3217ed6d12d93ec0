/** The widget's wire protocol (public/widget.js speaks the other end). */
import { z } from 'zod';
import type { Message } from '../../generated/prisma/client.js';
import type { Attachment, AttachmentKind } from '../../core/model.js';
import { storedFileId } from '../../core/files.js';

/** The most files one widget message carries. */
export const MAX_FILES_PER_MESSAGE = 10;

export const clientFrame = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('start'),
    clientId: z.string().min(8).max(64),
    name: z.string().trim().min(1).max(200),
    // The same rules as the widget's form check (public/widget.js isPlausibleContact): what the form
    // lets through must not be refused here, e.g. "(916) 123-45-67" or an address at почта.рф.
    email: z.string().trim().max(200).regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/).optional(),
    phone: z.string().trim().max(200).regex(/^[+\d\s().-]+$/).refine((v) => v.replace(/\D/g, '').length >= 6).optional(),
    topic: z.string().max(200).optional(),
    text: z.string().trim().min(1).max(10_000),
    lang: z.enum(['ru', 'en']).optional(),
  }),
  // Text, files (references from POST /widget/files), or both: the hub refuses a message with neither.
  z.object({
    type: z.literal('message'),
    clientId: z.string().min(8).max(64),
    text: z.string().trim().max(10_000),
    files: z.array(z.string().max(200)).max(MAX_FILES_PER_MESSAGE).optional(),
  }),
  z.object({ type: z.literal('button'), clientId: z.string().min(8).max(64), buttonId: z.string().max(100), label: z.string().max(200) }),
]);
export type ClientFrame = z.infer<typeof clientFrame>;

export interface WidgetMessage {
  id: string;
  clientId?: string;
  direction: 'in' | 'out';
  author: { kind: 'customer' | 'bot' | 'agent' | 'system'; name: string | null };
  text: string;
  buttons: Array<{ id: string; label: string }>;
  sentAt: string;
  /** When the message was last edited (an agent corrected a reply): the widget marks it "edited". */
  editedAt?: string;
  /** Its files; the visitor downloads each from GET /widget/files/:id with their token. */
  attachments?: WidgetFile[];
}

/** A stored file as the widget shows it. */
export interface WidgetFile {
  id: string;
  kind: AttachmentKind;
  name: string | null;
  mimeType: string | null;
  size: number | null;
}

/** The message's stored files (a platform's reference the gateway could not keep is left out: nothing to download). */
export function widgetFiles(attachments: readonly Attachment[]): WidgetFile[] {
  return attachments.flatMap((a) => {
    const id = storedFileId(a.url);
    return id ? [{ id, kind: a.kind, name: a.name ?? null, mimeType: a.mimeType ?? null, size: a.size ?? null }] : [];
  });
}

/** Platform message ids of widget messages are `<visitorId>:<clientId>`, unique in the channel. */
export function platformId(visitorId: string, clientId: string): string {
  return `${visitorId}:${clientId}`;
}

export function toWidgetMessage(
  m: Pick<Message, 'id' | 'direction' | 'authorKind' | 'authorName' | 'text' | 'buttons' | 'sentAt' | 'platformMessageId' | 'attachments'> & { editedAt?: Date | null },
): WidgetMessage {
  const clientId = m.direction === 'inbound' ? m.platformMessageId?.split(':')[1] : undefined;
  const files = widgetFiles((m.attachments as Attachment[] | null) ?? []);
  return {
    id: m.id,
    ...(clientId ? { clientId } : {}),
    direction: m.direction === 'inbound' ? 'in' : 'out',
    author: { kind: m.authorKind === 'note' ? 'agent' : m.authorKind, name: m.authorName },
    text: m.text,
    buttons: (m.buttons as WidgetMessage['buttons'] | null) ?? [],
    sentAt: m.sentAt.toISOString(),
    ...(m.editedAt ? { editedAt: m.editedAt.toISOString() } : {}),
    ...(files.length ? { attachments: files } : {}),
  };
}
