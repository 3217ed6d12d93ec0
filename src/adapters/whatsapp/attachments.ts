/**
 * What a WhatsApp message carries besides text, as normalized attachments: files (downloaded on
 * the pipeline's request through `downloadMedia()`), locations and contact cards.
 */
import type { AttachmentKind, DownloadLimits, InboundAttachment } from '../../core/model.js';
import type { WhatsAppMessage } from './client.js';

/** WhatsApp's message types that carry a file, and the kind each becomes. */
const FILE_KINDS: Record<string, AttachmentKind> = {
  image: 'photo',
  video: 'video',
  audio: 'audio',
  ptt: 'voice',
  document: 'document',
  sticker: 'sticker',
};

/** The message's attachments; none for plain text. */
export function attachmentsOf(msg: WhatsAppMessage): InboundAttachment[] {
  if (msg.type === 'location' && msg.location) return [locationAttachment(msg)];
  if ((msg.type === 'vcard' || msg.type === 'multi_vcard') && msg.vCards?.length) return msg.vCards.map(contactAttachment);
  const kind = FILE_KINDS[msg.type] ?? (msg.hasMedia ? 'document' : undefined);
  if (!kind || !msg.hasMedia) return [];
  const meta = msg._data ?? {};
  return [
    {
      kind,
      ...(meta.mimetype ? { mimeType: meta.mimetype } : {}),
      ...(typeof meta.size === 'number' ? { size: meta.size } : {}),
      ...(meta.filename ? { name: meta.filename } : {}),
      // The platform's reference: the message, whose media can be downloaded again while WhatsApp keeps it.
      data: { messageId: msg.id._serialized },
      download: (limits) => downloadFile(msg, limits),
    },
  ];
}

/** The file through WhatsApp Web (base64 → bytes). WhatsApp Web cannot stream it: the limit is checked after. */
async function downloadFile(msg: WhatsAppMessage, limits: DownloadLimits): Promise<{ data: Buffer; mimeType?: string; name?: string }> {
  limits.signal.throwIfAborted();
  const media = await msg.downloadMedia();
  if (!media) throw new Error('WhatsApp no longer has this file (expired or deleted)');
  const data = Buffer.from(media.data, 'base64');
  if (data.length > limits.maxBytes) throw new Error(`file is ${data.length} bytes, more than the ${limits.maxBytes} bytes kept`);
  return { data, mimeType: media.mimetype, ...(media.filename ? { name: media.filename } : {}) };
}

function locationAttachment(msg: WhatsAppMessage): InboundAttachment {
  const loc = msg.location!;
  const data: Record<string, unknown> = { latitude: Number(loc.latitude), longitude: Number(loc.longitude) };
  for (const key of ['name', 'address', 'url', 'description'] as const) if (loc[key]) data[key] = loc[key];
  return { kind: 'location', data };
}

/** A contact card: its name and phones for the agent at a glance, and the vCard itself as a file. */
function contactAttachment(vcard: string): InboundAttachment {
  const card = parseVCard(vcard);
  const bytes = Buffer.from(vcard, 'utf8');
  return {
    kind: 'contact',
    mimeType: 'text/vcard',
    size: bytes.length,
    name: `${card.name ?? 'contact'}.vcf`,
    data: { ...(card.name ? { name: card.name } : {}), phones: card.phones, vcard },
    download: async () => ({ data: bytes, mimeType: 'text/vcard', name: `${card.name ?? 'contact'}.vcf` }),
  };
}

/** The name (FN) and phone numbers (TEL) of a vCard. */
export function parseVCard(vcard: string): { name?: string; phones: string[] } {
  // Folded lines continue with a space or a tab.
  const lines = vcard.replace(/\r?\n[ \t]/g, '').split(/\r?\n/);
  let name: string | undefined;
  const phones: string[] = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).split(';')[0]!.toUpperCase();
    const value = line.slice(colon + 1).trim();
    if (key === 'FN' && value) name = value.replace(/\\([,;\\])/g, '$1');
    // WhatsApp puts the number in a "waid" parameter too; the value is what people read.
    if (key.endsWith('TEL') && value) phones.push(value);
  }
  return { ...(name ? { name } : {}), phones };
}
