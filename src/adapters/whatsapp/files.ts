/**
 * Where the files agents attach come from when they go out on WhatsApp: the gateway's own file
 * store (attachments whose `url` is `/api/v1/files/<id>`), or a public http(s) URL fetched
 * with a timeout. Anything else is not sent as a file (the sender then sends a link, if any).
 */
import { storedFileId } from '../../core/files.js';
import type { Attachment } from '../../core/model.js';
import type { OutgoingFile } from './client.js';
import type { FileLoader } from './sender.js';

/** The part of the core's FileStore this needs. */
export interface StoredFiles {
  get(id: string): Promise<{ data: Buffer; mimeType: string; name: string | null } | null>;
}

/** WhatsApp's own cap on documents; a larger file is sent as a link instead. */
const MAX_FILE_BYTES = 100 * 1024 * 1024;

export function fileLoader(options: { files?: StoredFiles; timeoutMs: number }): FileLoader {
  return async (attachment: Attachment): Promise<OutgoingFile | null> => {
    const url = attachment.url;
    if (!url) return null;
    const stored = storedFileId(url);
    if (stored) {
      // Throws while the database is down: the sender retries later.
      const file = options.files ? await options.files.get(stored) : null;
      if (!file) return null;
      return { data: file.data, mimeType: file.mimeType, ...(file.name ?? attachment.name ? { name: (file.name ?? attachment.name)! } : {}) };
    }
    if (/^https?:\/\//i.test(url)) return fetchFile(url, attachment, options.timeoutMs);
    return null;
  };
}

/** A public file; null when it cannot be had (the customer then gets the link). */
async function fetchFile(url: string, attachment: Attachment, timeoutMs: number): Promise<OutgoingFile | null> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const length = Number(res.headers.get('content-length') ?? 0);
    if (!res.ok || length > MAX_FILE_BYTES) {
      await res.body?.cancel().catch(() => undefined);
      return null;
    }
    const data = Buffer.from(await res.arrayBuffer());
    if (data.length > MAX_FILE_BYTES) return null;
    const mimeType = res.headers.get('content-type')?.split(';')[0]?.trim() || attachment.mimeType || 'application/octet-stream';
    const name = attachment.name ?? decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
    return { data, mimeType, ...(name ? { name } : {}) };
  } catch {
    return null;
  }
}
