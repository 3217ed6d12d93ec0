/**
 * Visitor tokens: a widget visitor's id signed by the server, kept in the browser's
 * localStorage, so the chat history survives a reload and nobody can read another's chat.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

export function issueVisitorToken(secret: string, visitorId: string = randomUUID()): { token: string; visitorId: string } {
  return { token: `${visitorId}.${mac(secret, visitorId)}`, visitorId };
}

/** The visitor id inside a valid token, or null. */
export function readVisitorToken(secret: string, token: string | null | undefined): string | null {
  if (!token) return null;
  const dot = token.lastIndexOf('.');
  if (dot <= 0) return null;
  const visitorId = token.slice(0, dot);
  if (!/^[0-9a-f-]{36}$/.test(visitorId)) return null;
  const expected = Buffer.from(mac(secret, visitorId));
  const given = Buffer.from(token.slice(dot + 1));
  return given.length === expected.length && timingSafeEqual(given, expected) ? visitorId : null;
}

function mac(secret: string, visitorId: string): string {
  return createHmac('sha256', secret).update(`widget-visitor:${visitorId}`).digest('base64url');
}

/**
 * A file a visitor uploaded (./files.ts), as their next message names it: the file's id signed
 * for this visitor, so nobody can attach a file someone else uploaded by guessing its id.
 */
export function issueFileRef(secret: string, visitorId: string, fileId: string): string {
  return `${fileId}.${fileMac(secret, visitorId, fileId)}`;
}

/** The file id in a reference this visitor was given, or null. */
export function readFileRef(secret: string, visitorId: string, ref: string): string | null {
  const dot = ref.lastIndexOf('.');
  const fileId = ref.slice(0, Math.max(dot, 0));
  if (!/^[0-9a-f-]{36}$/.test(fileId)) return null;
  const expected = Buffer.from(fileMac(secret, visitorId, fileId));
  const given = Buffer.from(ref.slice(dot + 1));
  return given.length === expected.length && timingSafeEqual(given, expected) ? fileId : null;
}

function fileMac(secret: string, visitorId: string, fileId: string): string {
  return createHmac('sha256', secret).update(`widget-file:${visitorId}:${fileId}`).digest('base64url');
}
