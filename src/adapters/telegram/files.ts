/**
 * Outbound attachments from the desk's file store: an attachment whose `url` is one of our
 * stored files (`/api/v1/files/<id>`) is uploaded from its bytes, since Telegram cannot fetch a
 * URL behind the REST API's token.
 */
import type { FileStore } from '../../core/files.js';
import type { OutboundFiles } from './sender.js';

const STORED_FILE = /^(?:https?:\/\/[^/]+)?\/api\/v1\/files\/([0-9a-f-]{36})$/i;

export function storedFiles(files: FileStore): OutboundFiles {
  return {
    async read(attachment) {
      const id = attachment.url ? STORED_FILE.exec(attachment.url)?.[1] : undefined;
      if (!id) return null;
      const file = await files.get(id);
      return file ? { data: file.data, mimeType: file.mimeType, ...(file.name ? { name: file.name } : {}) } : null;
    },
  };
}
