/**
 * Customers' files, kept in PostgreSQL. Every instance reads the same database, so a file
 * received by one instance is served by any other: no shared disk, nothing else to back up.
 * Files are capped (ATTACHMENT_MAX_BYTES); a larger one is kept as the platform's reference only.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../db/prisma.js';
import type { Attachment, AttachmentKind } from './model.js';

/** Where the REST API serves a stored file; messages' attachments carry this as their `url`. */
export function fileUrl(id: string): string {
  return `/api/v1/files/${id}`;
}

/** The kind of attachment a stored file is sent as, from its MIME type. */
export function attachmentKindOf(mimeType: string): AttachmentKind {
  if (/^image\/(jpeg|png|webp)$/.test(mimeType)) return 'photo';
  if (mimeType.startsWith('video/')) return 'video';
  if (mimeType === 'audio/ogg' || mimeType === 'audio/opus') return 'voice';
  if (mimeType.startsWith('audio/')) return 'audio';
  return 'document';
}

/** An outbound attachment of a stored file: what an agent's reply carries to the channel's sender. */
export function storedAttachment(file: StoredFileInfo): Attachment {
  return { kind: attachmentKindOf(file.mimeType), mimeType: file.mimeType, size: file.size, ...(file.name ? { name: file.name } : {}), url: fileUrl(file.id) };
}

/** Reads the bytes of an outbound attachment, for senders that must upload a file rather than pass a URL. */
export interface OutboundFiles {
  read(attachment: Attachment): Promise<{ data: Buffer; mimeType?: string; name?: string } | null>;
}

// Relative, as fileUrl() writes it, or absolute under the gateway's public URL (which may have a path
// prefix behind a proxy), as an API client may pass it.
const STORED_FILE = /^(?:https?:\/\/[^/?#]+(?:\/[^?#]*)?)?\/api\/v1\/files\/([0-9a-f-]{36})$/i;

/** The id of our stored file an attachment's `url` points at, or undefined for any other URL. */
export function storedFileId(url: string | undefined): string | undefined {
  return url ? STORED_FILE.exec(url)?.[1] : undefined;
}

/**
 * Outbound attachments from the file store: an attachment whose `url` is one of our stored files
 * (`/api/v1/files/<id>`) is read from its bytes, since a platform cannot fetch a URL behind the
 * REST API's token. Any other attachment reads as null.
 */
export function storedFiles(files: FileStore): OutboundFiles {
  return {
    async read(attachment) {
      const id = storedFileId(attachment.url);
      if (!id) return null;
      const file = await files.get(id);
      return file ? { data: file.data, mimeType: file.mimeType, ...(file.name ? { name: file.name } : {}) } : null;
    },
  };
}

/** A stored file without its bytes. */
export interface StoredFileInfo {
  id: string;
  /** Hex SHA-256 of the bytes. */
  sha256: string;
  mimeType: string;
  name: string | null;
  size: number;
  createdAt: Date;
}

export interface NewFile {
  data: Buffer;
  mimeType?: string | undefined;
  name?: string | undefined;
}

/** The file is over the store's cap: keep a reference to it instead. */
export class FileTooLargeError extends Error {
  override name = 'FileTooLargeError';
  constructor(
    readonly size: number,
    readonly maxBytes: number,
  ) {
    super(`file is ${size} bytes, more than the ${maxBytes} bytes kept (ATTACHMENT_MAX_BYTES)`);
  }
}

/** How much one read of a file fetches: bounds the memory a download of a large file takes. */
const CHUNK_BYTES = 1024 * 1024;
const NAME_LENGTH = 255;
const infoSelect = { id: true, sha256: true, mimeType: true, name: true, size: true, createdAt: true } as const;

export class FileStore {
  constructor(
    private readonly db: Db,
    /** The largest file kept, in bytes. */
    readonly maxBytes: number,
  ) {}

  /** Stores the bytes; throws FileTooLargeError over the cap. */
  async save(file: NewFile): Promise<StoredFileInfo> {
    if (file.data.length > this.maxBytes) throw new FileTooLargeError(file.data.length, this.maxBytes);
    return this.db.storedFile.create({
      data: {
        sha256: createHash('sha256').update(file.data).digest('hex'),
        mimeType: safeMimeType(file.mimeType),
        name: safeFileName(file.name),
        size: file.data.length,
        // A copy the size of the file: a Buffer may be a view into a larger (pooled) memory block.
        data: new Uint8Array(file.data),
      },
      select: infoSelect,
    });
  }

  /** The file's description, without reading its bytes; null when unknown. */
  async info(id: string): Promise<StoredFileInfo | null> {
    if (!isUuid(id)) return null;
    return this.db.storedFile.findUnique({ where: { id }, select: infoSelect });
  }

  /** The whole file in memory (e.g. to upload it to a platform); null when unknown. */
  async get(id: string): Promise<(StoredFileInfo & { data: Buffer }) | null> {
    const info = await this.info(id);
    if (!info) return null;
    // Read in chunks even so: decoding one 20 MB bytea value takes several times longer.
    const parts: Buffer[] = [];
    for await (const chunk of this.chunks(info)) parts.push(chunk);
    return { ...info, data: Buffer.concat(parts, info.size) };
  }

  /**
   * The file's bytes, a chunk per query, so serving a 20 MB file never holds it all in memory
   * (the column is stored uncompressed, so each chunk reads only its part).
   */
  async *chunks(file: Pick<StoredFileInfo, 'id' | 'size'>): AsyncGenerator<Buffer> {
    for (let offset = 0; offset < file.size; offset += CHUNK_BYTES) {
      const rows = await this.db.$queryRaw<Array<{ chunk: Uint8Array }>>`
        SELECT substring("data" FROM ${offset + 1}::int FOR ${CHUNK_BYTES}::int) AS "chunk" FROM "StoredFile" WHERE "id" = ${file.id}::uuid`;
      const chunk = rows[0]?.chunk;
      if (!chunk) throw new Error(`file ${file.id} vanished while it was read`);
      yield toBuffer(chunk);
    }
  }

  /** Deletes files, e.g. ones stored for a message that turned out to be a redelivery. */
  async delete(ids: string[]): Promise<void> {
    if (ids.length) await this.db.storedFile.deleteMany({ where: { id: { in: ids } } });
  }
}

/**
 * A platform's MIME type, or application/octet-stream when it is missing or malformed. Without
 * parameters: a file's type is served as is, and a bogus one must not reach the header.
 */
export function safeMimeType(mimeType: string | undefined): string {
  const bare = mimeType?.split(';')[0]?.trim().toLowerCase() ?? '';
  return /^[a-z0-9][\w!#$&^.+-]*\/[a-z0-9][\w!#$&^.+-]*$/.test(bare) ? bare : 'application/octet-stream';
}

/** A customer's file name without paths or control characters; null when nothing is left. */
export function safeFileName(name: string | undefined): string | null {
  // eslint-disable-next-line no-control-regex
  const clean = wellFormed(name ?? '').replace(/[\u0000-\u001f\u007f]/g, '').split(/[/\\]/).pop()?.trim() ?? '';
  return clean ? [...clean].slice(0, NAME_LENGTH).join('') : null;
}

/** The string with lone UTF-16 surrogates (which no encoder accepts) replaced by U+FFFD. */
export function wellFormed(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

export function isUuid(id: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
