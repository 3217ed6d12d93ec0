/**
 * A Telegram message's media as the core's normalized attachments. Files carry their Bot API
 * `file_id` in `data` (so a failed download can be tried again) and a `download()` the pipeline
 * calls to keep the bytes: `getFile`, then a GET of the file URL on the configured API root.
 * Locations and contacts carry their payload in `data` and have nothing to download.
 */
import type { Api } from 'grammy';
import type { Message } from 'grammy/types';
import { FileTooLargeError } from '../../core/files.js';
import type { DownloadLimits, InboundAttachment } from '../../core/model.js';
import { apiSignal } from './signal.js';
import { readDownload } from '../http.js';

/** Fetches a file's bytes by its `file_id`, within the pipeline's limits. */
export type FileFetcher = (fileId: string, limits?: Partial<DownloadLimits>) => Promise<Buffer>;

export interface FileFetcherOptions {
  token: string;
  apiRoot: string;
  /** Timeout of the `getFile` call (the download itself is bounded by the pipeline's signal). */
  timeoutMs: number;
}

export function telegramFileFetcher(api: Api, o: FileFetcherOptions): FileFetcher {
  return async (fileId, limits = {}) => {
    const signals = [AbortSignal.timeout(o.timeoutMs), ...(limits.signal ? [limits.signal] : [])];
    const file = await api.getFile(fileId, apiSignal(AbortSignal.any(signals)));
    const maxBytes = limits.maxBytes ?? Infinity;
    if (file.file_size !== undefined && file.file_size > maxBytes) throw new FileTooLargeError(file.file_size, maxBytes);
    // The Bot API serves files up to 20 MB; for bigger ones it gives no path.
    if (!file.file_path) throw new Error(`telegram gave no download path for file ${fileId} (over the Bot API's 20 MB?)`);
    const res = await fetch(`${o.apiRoot}/file/bot${o.token}/${file.file_path}`, limits.signal ? { signal: limits.signal } : {});
    return readDownload(res, maxBytes, 'telegram file download');
  };
}

interface FileRef {
  file_id: string;
  file_unique_id: string;
  file_size?: number;
}

/** Every attachment of a message (a message has at most one file, plus venue/location or contact). */
export function attachmentsOf(msg: Message, fetch: FileFetcher): InboundAttachment[] {
  const file = (kind: InboundAttachment['kind'], ref: FileRef, mimeType: string | undefined, name: string | undefined, extra: Record<string, unknown> = {}): InboundAttachment => ({
    kind,
    ...(mimeType ? { mimeType } : {}),
    ...(ref.file_size !== undefined ? { size: ref.file_size } : {}),
    ...(name ? { name } : {}),
    data: { fileId: ref.file_id, fileUniqueId: ref.file_unique_id, ...extra },
    download: async (limits) => ({ data: await fetch(ref.file_id, limits), ...(mimeType ? { mimeType } : {}), ...(name ? { name } : {}) }),
  });
  const out: InboundAttachment[] = [];
  const largest = msg.photo?.at(-1);
  if (largest) out.push(file('photo', largest, 'image/jpeg', `photo-${largest.file_unique_id}.jpg`, { width: largest.width, height: largest.height }));
  if (msg.animation) {
    // A GIF comes as an animation and (for old clients) a document too: keep one.
    const a = msg.animation;
    out.push(file('video', a, a.mime_type ?? 'video/mp4', a.file_name ?? `animation-${a.file_unique_id}.mp4`, { animation: true, duration: a.duration }));
  } else if (msg.document) {
    const d = msg.document;
    out.push(file('document', d, d.mime_type, d.file_name ?? `document-${d.file_unique_id}`));
  }
  if (msg.video) {
    const v = msg.video;
    out.push(file('video', v, v.mime_type ?? 'video/mp4', v.file_name ?? `video-${v.file_unique_id}.mp4`, { duration: v.duration }));
  }
  if (msg.video_note) {
    const v = msg.video_note;
    out.push(file('video', v, 'video/mp4', `video-note-${v.file_unique_id}.mp4`, { videoNote: true, duration: v.duration }));
  }
  if (msg.voice) {
    const v = msg.voice;
    out.push(file('voice', v, v.mime_type ?? 'audio/ogg', `voice-${v.file_unique_id}.ogg`, { duration: v.duration }));
  }
  if (msg.audio) {
    const a = msg.audio;
    const title = [a.performer, a.title].filter(Boolean).join(' – ');
    out.push(file('audio', a, a.mime_type ?? 'audio/mpeg', a.file_name ?? (title || `audio-${a.file_unique_id}`), { duration: a.duration }));
  }
  if (msg.sticker) {
    const s = msg.sticker;
    const [mime, ext] = s.is_animated ? ['application/x-tgsticker', 'tgs'] : s.is_video ? ['video/webm', 'webm'] : ['image/webp', 'webp'];
    out.push(file('sticker', s, mime, `sticker-${s.file_unique_id}.${ext}`, { ...(s.emoji ? { emoji: s.emoji } : {}), ...(s.set_name ? { setName: s.set_name } : {}) }));
  }
  const place = msg.venue?.location ?? msg.location;
  if (place) {
    out.push({
      kind: 'location',
      ...(msg.venue ? { name: msg.venue.title } : {}),
      data: { latitude: place.latitude, longitude: place.longitude, ...(msg.venue ? { title: msg.venue.title, address: msg.venue.address } : {}) },
    });
  }
  if (msg.contact) {
    const c = msg.contact;
    out.push({
      kind: 'contact',
      name: [c.first_name, c.last_name].filter(Boolean).join(' '),
      data: { phoneNumber: c.phone_number, firstName: c.first_name, ...(c.last_name ? { lastName: c.last_name } : {}), ...(c.user_id ? { userId: c.user_id } : {}), ...(c.vcard ? { vcard: c.vcard } : {}) },
    });
  }
  return out;
}
