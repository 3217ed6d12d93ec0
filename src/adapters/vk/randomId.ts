/**
 * `random_id` is VK's idempotency key for `messages.send`: a second send with the same one
 * (from the same community, to the same peer) is not delivered again. Deriving it from the
 * outbound message's id, and the part's index for a text split in several messages, makes
 * every retry of a delivery reuse it, so a send whose answer was lost never doubles a message.
 *
 * VK takes a signed 32-bit integer; we use 31 bits of SHA-256, never 0 (VK reads 0 as "none").
 * Two messages to one peer would have to collide in 2^31 for one to be swallowed.
 */
import { createHash } from 'node:crypto';

export function randomIdFor(messageId: string, part = 0): number {
  const n = createHash('sha256').update(`${messageId}:${part}`).digest().readUInt32BE(0) & 0x7fffffff;
  return n === 0 ? 1 : n;
}
