/**
 * Files agents send, uploaded to VK so the customer gets them as real attachments: photos through
 * photos.getMessagesUploadServer → upload → photos.saveMessagesPhoto, anything else as a document
 * through docs.getMessagesUploadServer → upload → docs.save. The bytes come from our file store
 * (an attachment's `/api/v1/files/<id>` URL) or from the attachment's public http(s) URL.
 *
 * A file that cannot be attached (no bytes to be had, or VK refuses it for good) is not a reason
 * to drop the message: the caller sends its link in the text instead. VK being busy or away is
 * thrown, so the whole message is tried again later. An upload that worked is remembered for a
 * while, so a retry of the same message does not upload it again.
 */
import { storedFileId } from '../../core/files.js';
import type { Attachment } from '../../core/model.js';
import { PermanentDeliveryError } from '../../core/delivery/errors.js';
import type { VkApi } from './api.js';
import { toDeliveryError } from './errors.js';

/** The part of the core's FileStore used here. */
export interface StoredFiles {
  get(id: string): Promise<{ data: Buffer; mimeType: string; name: string | null } | null>;
}

export interface UploaderOptions {
  files?: StoredFiles;
  timeoutMs: number;
  /** Larger files are sent as links (VK takes photos up to 50 MB, documents up to 200 MB). */
  maxBytes: number;
}

/** The file could not be attached; `link` is what to put in the text instead, when there is one. */
export class NotAttachable extends Error {
  override name = 'NotAttachable';
  constructor(
    message: string,
    readonly link?: string,
  ) {
    super(message);
  }
}

const PHOTO_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif']);
const REMEMBERED = 1000;

interface Bytes {
  data: Buffer;
  mimeType: string;
  name: string;
}

export class VkUploader {
  private readonly uploaded = new Map<string, string>();

  constructor(
    private readonly api: VkApi,
    private readonly options: UploaderOptions,
  ) {}

  /** VK's reference to the uploaded file ("photo1_2_key", "doc1_2"), for messages.send's `attachment`. */
  async attach(peerId: number, attachment: Attachment, cacheKey: string): Promise<string> {
    const known = this.uploaded.get(cacheKey);
    if (known) return known;
    const bytes = await this.read(attachment);
    let ref: string;
    try {
      ref = isPhoto(attachment, bytes.mimeType) ? await this.uploadPhoto(peerId, bytes) : await this.uploadDoc(peerId, bytes);
    } catch (err) {
      if (err instanceof NotAttachable) throw new NotAttachable(err.message, this.publicLink(attachment));
      const mapped = toDeliveryError(err);
      if (mapped instanceof PermanentDeliveryError) throw new NotAttachable(`VK refused the file: ${mapped.message}`, this.publicLink(attachment));
      throw mapped;
    }
    const oldest = this.uploaded.keys().next().value;
    if (this.uploaded.size >= REMEMBERED && oldest !== undefined) this.uploaded.delete(oldest);
    this.uploaded.set(cacheKey, ref);
    return ref;
  }

  /** A link a customer can open, if the attachment has one (our own files need the admin token). */
  publicLink(attachment: Attachment): string | undefined {
    if (!attachment.url || storedFileId(attachment.url)) return undefined;
    return /^https?:\/\//i.test(attachment.url) ? attachment.url : undefined;
  }

  private async read(attachment: Attachment): Promise<Bytes> {
    const fallbackName = attachment.name ?? `${attachment.kind}`;
    if (!attachment.url) throw new NotAttachable('the attachment has no file');
    const id = storedFileId(attachment.url);
    if (id) {
      const file = this.options.files ? await this.options.files.get(id) : null;
      if (!file) throw new NotAttachable(`stored file ${id} is not available`);
      return { data: file.data, mimeType: file.mimeType, name: file.name ?? fallbackName };
    }
    const link = this.publicLink(attachment);
    if (!link) throw new NotAttachable(`cannot read ${attachment.url}`);
    let res: globalThis.Response;
    try {
      res = await fetch(link, { signal: AbortSignal.timeout(this.options.timeoutMs) });
    } catch (err) {
      throw new NotAttachable(`cannot fetch the file: ${(err as Error).message}`, link);
    }
    const size = Number(res.headers.get('content-length'));
    if (!res.ok || (Number.isFinite(size) && size > this.options.maxBytes)) {
      await res.body?.cancel().catch(() => undefined);
      throw new NotAttachable(res.ok ? 'the file is too large for VK' : `the file's URL answered ${res.status}`, link);
    }
    const data = Buffer.from(await res.arrayBuffer());
    if (data.length > this.options.maxBytes) throw new NotAttachable('the file is too large for VK', link);
    const mimeType = attachment.mimeType ?? res.headers.get('content-type')?.split(';')[0]?.trim() ?? 'application/octet-stream';
    return { data, mimeType, name: fallbackName };
  }

  private async uploadPhoto(peerId: number, bytes: Bytes): Promise<string> {
    const server = await this.api.call<{ upload_url: string }>('photos.getMessagesUploadServer', { peer_id: peerId });
    const up = await this.post<{ server?: number; photo?: string; hash?: string }>(server.upload_url, 'photo', bytes);
    if (!up.photo || up.photo === '[]') throw new NotAttachable('VK did not take the photo');
    const [saved] = await this.api.call<Array<{ id: number; owner_id: number; access_key?: string }>>('photos.saveMessagesPhoto', {
      server: up.server,
      photo: up.photo,
      hash: up.hash,
    });
    if (!saved) throw new NotAttachable('VK did not save the photo');
    return `photo${saved.owner_id}_${saved.id}${saved.access_key ? `_${saved.access_key}` : ''}`;
  }

  private async uploadDoc(peerId: number, bytes: Bytes): Promise<string> {
    const server = await this.api.call<{ upload_url: string }>('docs.getMessagesUploadServer', { type: 'doc', peer_id: peerId });
    const up = await this.post<{ file?: string; error?: string }>(server.upload_url, 'file', bytes);
    if (!up.file) throw new NotAttachable(`VK did not take the document${up.error ? `: ${up.error}` : ''}`);
    const saved = await this.api.call<{ type: string; doc?: { id: number; owner_id: number; access_key?: string } }>('docs.save', { file: up.file, title: bytes.name });
    if (!saved.doc) throw new NotAttachable('VK did not save the document');
    return `doc${saved.doc.owner_id}_${saved.doc.id}${saved.doc.access_key ? `_${saved.doc.access_key}` : ''}`;
  }

  /** The multipart upload to VK's upload server (a network failure here is worth a retry). */
  private async post<T>(url: string, field: string, bytes: Bytes): Promise<T> {
    const form = new FormData();
    form.append(field, new Blob([Uint8Array.from(bytes.data)], { type: bytes.mimeType }), bytes.name);
    const res = await fetch(url, { method: 'POST', body: form, signal: AbortSignal.timeout(this.options.timeoutMs) });
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw new Error(`VK upload server answered ${res.status}`);
    }
    return (await res.json()) as T;
  }
}

function isPhoto(attachment: Attachment, mimeType: string): boolean {
  return PHOTO_TYPES.has(mimeType) || (attachment.kind === 'photo' && !attachment.mimeType);
}
