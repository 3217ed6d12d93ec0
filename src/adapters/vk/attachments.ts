/**
 * VK attachments as normalized inbound attachments. Files (photo, document, voice message,
 * sticker, audio) get a `download` that fetches them from VK, so the pipeline keeps a copy; a
 * video has no file URL in VK's API (only a player), so it stays a reference. Every attachment
 * keeps VK's ids in `data` (`vk`: "photo-1_2_key", with owner, id, access key and the URL), so a
 * file can be looked up again later. The location comes from the message's `geo`.
 *
 * Links, wall posts, polls, gifts and the like are not files: they are named in `skipped` so the
 * message can say what came with it.
 */
import { z } from 'zod';
import type { DownloadLimits, InboundAttachment } from '../../core/model.js';
import { downloadFile } from './download.js';
import { vkPhotoSize, type VkMessage } from './schema.js';

const int = z.number().int();
const ref = { id: int, owner_id: int, access_key: z.string().optional() };
const photo = z.looseObject({ ...ref, sizes: z.array(vkPhotoSize).optional(), orig_photo: vkPhotoSize.optional() });
const doc = z.looseObject({ ...ref, title: z.string().optional(), ext: z.string().optional(), size: z.number().optional(), url: z.string().optional() });
const audioMessage = z.looseObject({ ...ref, duration: z.number().optional(), link_ogg: z.string().optional(), link_mp3: z.string().optional() });
const video = z.looseObject({ ...ref, title: z.string().optional(), duration: z.number().optional(), player: z.string().optional() });
const audio = z.looseObject({ ...ref, artist: z.string().optional(), title: z.string().optional(), duration: z.number().optional(), url: z.string().optional() });
const sticker = z.looseObject({ sticker_id: int, product_id: int.optional(), images: z.array(vkPhotoSize).optional() });

const MIME_BY_EXT: Record<string, string> = {
  pdf: 'application/pdf', txt: 'text/plain', csv: 'text/csv', json: 'application/json', rtf: 'application/rtf',
  doc: 'application/msword', docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ppt: 'application/vnd.ms-powerpoint', pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  odt: 'application/vnd.oasis.opendocument.text', ods: 'application/vnd.oasis.opendocument.spreadsheet',
  zip: 'application/zip', rar: 'application/vnd.rar', '7z': 'application/x-7z-compressed',
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', heic: 'image/heic',
  mp3: 'audio/mpeg', ogg: 'audio/ogg', wav: 'audio/wav', mp4: 'video/mp4', mov: 'video/quicktime',
};

export interface ParsedAttachments {
  attachments: InboundAttachment[];
  /** VK types that are not files, e.g. "link", "wall". */
  skipped: string[];
}

export function parseAttachments(message: Pick<VkMessage, 'attachments' | 'geo'>): ParsedAttachments {
  const attachments: InboundAttachment[] = [];
  const skipped: string[] = [];
  for (const raw of message.attachments ?? []) {
    const parsed = parseOne(raw.type, raw[raw.type]);
    if (parsed) attachments.push(parsed);
    else skipped.push(raw.type);
  }
  if (message.geo) {
    const { latitude, longitude } = message.geo.coordinates;
    attachments.push({ kind: 'location', data: { latitude, longitude, ...(message.geo.place?.title ? { title: message.geo.place.title } : {}) } });
  }
  return { attachments, skipped };
}

function parseOne(type: string, body: unknown): InboundAttachment | null {
  switch (type) {
    case 'photo': {
      const p = photo.safeParse(body);
      if (!p.success) return null;
      const url = largest([...(p.data.sizes ?? []), ...(p.data.orig_photo ? [p.data.orig_photo] : [])]);
      const name = `photo${p.data.owner_id}_${p.data.id}.jpg`;
      return file('photo', vkRef('photo', p.data, url), url, { mimeType: 'image/jpeg', name });
    }
    case 'doc': {
      const d = doc.safeParse(body);
      if (!d.success) return null;
      const ext = d.data.ext?.toLowerCase();
      const title = d.data.title || `doc${d.data.owner_id}_${d.data.id}`;
      const name = ext && !title.toLowerCase().endsWith(`.${ext}`) ? `${title}.${ext}` : title;
      const mimeType = ext ? MIME_BY_EXT[ext] : undefined;
      return file('document', vkRef('doc', d.data, d.data.url), d.data.url, { ...(mimeType ? { mimeType } : {}), name, ...(d.data.size ? { size: d.data.size } : {}) });
    }
    case 'audio_message': {
      const a = audioMessage.safeParse(body);
      if (!a.success) return null;
      const ogg = Boolean(a.data.link_ogg);
      const url = a.data.link_ogg ?? a.data.link_mp3;
      const name = `voice${a.data.owner_id}_${a.data.id}.${ogg ? 'ogg' : 'mp3'}`;
      const attachment = file('voice', vkRef('audio_message', a.data, url), url, { mimeType: ogg ? 'audio/ogg' : 'audio/mpeg', name });
      if (a.data.duration !== undefined) attachment.data = { ...attachment.data, duration: a.data.duration };
      return attachment;
    }
    case 'sticker': {
      const s = sticker.safeParse(body);
      if (!s.success) return null;
      const url = largest(s.data.images ?? []);
      const data = { vk: `sticker${s.data.sticker_id}`, stickerId: s.data.sticker_id, ...(s.data.product_id ? { productId: s.data.product_id } : {}), ...(url ? { url } : {}) };
      return file('sticker', data, url, { mimeType: 'image/png', name: `sticker${s.data.sticker_id}.png` });
    }
    case 'audio': {
      const a = audio.safeParse(body);
      if (!a.success) return null;
      const title = [a.data.artist, a.data.title].filter(Boolean).join(' – ') || `audio${a.data.owner_id}_${a.data.id}`;
      // Music URLs are often withheld from communities: then the track stays a reference.
      const url = a.data.url || undefined;
      return file('audio', { ...vkRef('audio', a.data, url), ...(a.data.duration !== undefined ? { duration: a.data.duration } : {}) }, url, { mimeType: 'audio/mpeg', name: `${title}.mp3` });
    }
    case 'video': {
      const v = video.safeParse(body);
      if (!v.success) return null;
      const data = { ...vkRef('video', v.data, undefined), ...(v.data.player ? { player: v.data.player } : {}), ...(v.data.duration !== undefined ? { duration: v.data.duration } : {}) };
      return { kind: 'video', ...(v.data.title ? { name: v.data.title } : {}), data };
    }
    default:
      return null;
  }
}

/** VK's reference to an object: "photo-1_2_key", and its parts. */
function vkRef(type: string, o: { id: number; owner_id: number; access_key?: string | undefined }, url: string | undefined): Record<string, unknown> {
  return {
    vk: `${type}${o.owner_id}_${o.id}${o.access_key ? `_${o.access_key}` : ''}`,
    ownerId: o.owner_id,
    id: o.id,
    ...(o.access_key ? { accessKey: o.access_key } : {}),
    ...(url ? { url } : {}),
  };
}

function file(
  kind: InboundAttachment['kind'],
  data: Record<string, unknown>,
  url: string | undefined,
  meta: { mimeType?: string; name?: string; size?: number },
): InboundAttachment {
  return {
    kind,
    ...meta,
    data,
    ...(url ? { download: (limits: DownloadLimits) => downloadFile(url, limits, meta) } : {}),
  };
}

function largest(sizes: Array<z.infer<typeof vkPhotoSize>>): string | undefined {
  let best: z.infer<typeof vkPhotoSize> | undefined;
  for (const s of sizes) if (!best || (s.width ?? 0) * (s.height ?? 0) >= (best.width ?? 0) * (best.height ?? 0)) best = s;
  return best?.url;
}
