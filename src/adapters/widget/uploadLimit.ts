/**
 * How much the widget's visitors may upload (POST /widget/files): anyone can get a visitor token,
 * so without a limit one script could fill PostgreSQL with files. Counted in Redis per visitor and
 * per client IP over a fixed hour, so every instance shares the count; past a limit the upload is
 * refused with 429 and Retry-After until the hour ends.
 */
import type { Redis } from 'ioredis';

export const UPLOAD_WINDOW_MS = 60 * 60_000;

export interface UploadLimits {
  /** Files and bytes one visitor may upload per hour. */
  filesPerVisitor: number;
  bytesPerVisitor: number;
  /** The same for one IP (several visitors behind one office NAT). */
  filesPerIp: number;
  bytesPerIp: number;
}

/** A visitor sends a few screenshots or documents in a chat; an office behind one IP, several chats. */
export const DEFAULT_UPLOAD_LIMITS: UploadLimits = {
  filesPerVisitor: 20,
  bytesPerVisitor: 100 * 1024 * 1024,
  filesPerIp: 100,
  bytesPerIp: 500 * 1024 * 1024,
};

export class UploadLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly limits: UploadLimits = DEFAULT_UPLOAD_LIMITS,
  ) {}

  /**
   * Counts an upload of `bytes` (before it is stored) and says whether it is allowed: 0, or the
   * seconds until the window ends. A refused upload is counted too: retrying at once gains nothing.
   */
  async take(visitorId: string, ip: string, bytes: number): Promise<number> {
    const buckets: Array<[string, number, number]> = [
      [`${this.prefix}:widget-upload:visitor:${visitorId}`, this.limits.filesPerVisitor, this.limits.bytesPerVisitor],
      [`${this.prefix}:widget-upload:ip:${ip}`, this.limits.filesPerIp, this.limits.bytesPerIp],
    ];
    const multi = this.redis.multi();
    // The window starts with the first upload (NX: a later one does not move its end).
    for (const [key] of buckets) multi.hincrby(key, 'files', 1).hincrby(key, 'bytes', bytes).pexpire(key, UPLOAD_WINDOW_MS, 'NX').pttl(key);
    const results = (await multi.exec()) ?? [];
    let wait = 0;
    buckets.forEach(([, maxFiles, maxBytes], i) => {
      const [files, total, , ttl] = results.slice(i * 4, i * 4 + 4).map(([err, value]) => {
        if (err) throw err;
        return Number(value);
      }) as [number, number, number, number];
      if (files > maxFiles || total > maxBytes) wait = Math.max(wait, Math.ceil(Math.max(ttl, 1000) / 1000));
    });
    return wait;
  }
}
