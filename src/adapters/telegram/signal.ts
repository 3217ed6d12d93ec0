/**
 * grammy's Node typings declare API calls' abort signals as the `abort-controller` package's
 * type; at runtime grammy accepts any object with `addEventListener` (it bridges to its own
 * controller), so Node's own `AbortSignal` works. This names the one cast in one place.
 */
import type { Api } from 'grammy';

export type ApiSignal = NonNullable<Parameters<Api['getMe']>[0]>;

export function apiSignal(signal: AbortSignal): ApiSignal {
  return signal as unknown as ApiSignal;
}

/** A signal that aborts after `ms`, typed for grammy. */
export function timeoutSignal(ms: number): ApiSignal {
  return apiSignal(AbortSignal.timeout(ms));
}
