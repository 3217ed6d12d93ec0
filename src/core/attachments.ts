/**
 * Fetches the files customers send and keeps them (FileStore), so an agent can open them later,
 * whatever happens to the platform's copy. A file that cannot be kept never costs the message:
 * its attachment is stored with the platform's reference (`data`) and an `error` saying why.
 */
import type { Logger } from '../logger.js';
import { FileTooLargeError, fileUrl, type FileStore } from './files.js';
import type { Attachment, InboundAttachment } from './model.js';

/** Attachments as a message stores them, and the files stored for them (to delete on a redelivery). */
export interface KeptAttachments {
  attachments: Attachment[];
  fileIds: string[];
}

export interface AttachmentKeeperOptions {
  /** How long one download may take before the file is kept as a reference. */
  downloadTimeoutMs: number;
}

export class AttachmentKeeper {
  constructor(
    private readonly files: FileStore,
    private readonly log: Logger,
    private readonly options: AttachmentKeeperOptions,
  ) {}

  /** Downloads and stores every downloadable attachment (in parallel); never throws for a file. */
  async keep(attachments: InboundAttachment[], context: { channel: string; messageId: string }): Promise<KeptAttachments> {
    const kept = await Promise.all(attachments.map((a) => this.keepOne(a, context)));
    return { attachments: kept.map((k) => k.attachment), fileIds: kept.flatMap((k) => (k.fileId ? [k.fileId] : [])) };
  }

  /** Deletes files kept for a message that was not stored after all; a failure only leaves them behind. */
  async discard(fileIds: string[]): Promise<void> {
    await this.files.delete(fileIds).catch((err: unknown) => this.log.warn({ err, fileIds }, 'could not delete the files of a message that was not stored'));
  }

  private async keepOne(input: InboundAttachment, context: { channel: string; messageId: string }): Promise<{ attachment: Attachment; fileId?: string }> {
    const { download, ...attachment } = input;
    if (!download) return { attachment };
    const maxBytes = this.files.maxBytes;
    // A file the platform says is too large is not even fetched.
    if (attachment.size !== undefined && attachment.size > maxBytes) {
      return { attachment: { ...attachment, error: new FileTooLargeError(attachment.size, maxBytes).message } };
    }
    try {
      const file = await withTimeout(this.options.downloadTimeoutMs, (signal) => download({ maxBytes, signal }));
      const stored = await this.files.save({ data: file.data, mimeType: file.mimeType ?? attachment.mimeType, name: file.name ?? attachment.name });
      return {
        attachment: {
          ...attachment,
          url: fileUrl(stored.id),
          size: stored.size,
          mimeType: stored.mimeType,
          ...(stored.name ? { name: stored.name } : {}),
        },
        fileId: stored.id,
      };
    } catch (err) {
      // Found too large only once fetched (the platform gave no size): note what it weighed.
      if (err instanceof FileTooLargeError) return { attachment: { ...attachment, size: err.size, error: err.message } };
      const error = err instanceof Error ? err.message : String(err);
      this.log.warn({ ...context, kind: attachment.kind, error }, 'attachment download failed: keeping the platform reference');
      return { attachment: { ...attachment, error: `download failed: ${error}` } };
    }
  }
}

/** Runs `work` with an abort signal, and rejects once `ms` have passed even if it ignores the signal. */
async function withTimeout<T>(ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new Error(`timed out after ${ms} ms`);
      controller.abort(err);
      reject(err);
    }, ms);
  });
  try {
    return await Promise.race([work(controller.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
