/**
 * The correlation ids of the work in progress, carried by Node's AsyncLocalStorage: an HTTP
 * request's id, or an inbound message's, follows everything it causes (the pipeline, the event
 * listeners it wakes, the replies they queue) without being passed through every call. The
 * logger (src/logger.ts) adds the ids to every line; the delivery queue stores them on its jobs,
 * so the delivery worker's lines carry them too.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface LogContext {
  /** The HTTP request id (`X-Request-Id`), or the id given to a message that came without one. */
  reqId?: string;
  /** The message a delivery job sends. */
  messageId?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/** The ids of the work in progress (an empty object outside any). */
export function logContext(): LogContext {
  return storage.getStore() ?? {};
}

/** Runs `fn` with `ids` (those given) added to the current context. */
export function withLogContext<T>(ids: LogContext, fn: () => T): T {
  const given = Object.fromEntries(Object.entries(ids).filter(([, v]) => v !== undefined)) as LogContext;
  return storage.run({ ...storage.getStore(), ...given }, fn);
}

/**
 * Runs the handling of an inbound message in a context: the request's when it came in a
 * request (the API channel, webhooks), else one named after the message (`telegram:4711`)
 * for messages that came by long polling or over the widget's WebSocket.
 */
export function withMessageContext<T>(message: { channel: string; messageId: string }, fn: () => T): T {
  return logContext().reqId ? fn() : withLogContext({ reqId: `${message.channel}:${message.messageId}` }, fn);
}
