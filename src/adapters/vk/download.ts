/**
 * Fetches one file a customer sent from VK's servers, for the pipeline to keep. It stops (and
 * throws FileTooLargeError) as soon as the file passes the pipeline's cap, and aborts when the
 * pipeline gives up waiting.
 */
import { readDownload } from '../http.js';
import type { DownloadLimits } from '../../core/model.js';

export interface Downloaded {
  data: Buffer;
  mimeType?: string;
  name?: string;
}

export async function downloadFile(url: string, limits: DownloadLimits, fallback: { mimeType?: string; name?: string } = {}): Promise<Downloaded> {
  const res = await fetch(url, { signal: limits.signal, redirect: 'follow' });
  const data = await readDownload(res, limits.maxBytes, 'VK file server');
  const type = res.headers.get('content-type')?.split(';')[0]?.trim();
  // VK's file servers often say application/octet-stream: what the attachment says is better then.
  const mimeType = type && type !== 'application/octet-stream' ? type : fallback.mimeType ?? type;
  return { data, ...(mimeType ? { mimeType } : {}), ...(fallback.name ? { name: fallback.name } : {}) };
}
