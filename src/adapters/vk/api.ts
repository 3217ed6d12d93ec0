/**
 * The VK API as this adapter calls it. vk-io builds and sends each request (token, API version,
 * base URL, agent, timeout), but through `APIRequest.make()` one call at a time, not through
 * vk-io's queue: that queue retries a network error three times, 3 s apart, and waits out
 * "too many requests" (error 6) forever, all inside one call. Here the delivery queue decides
 * when to try again, and the delivery worker's Redis rate limit paces the sends.
 *
 * An `http://` base URL (a local fake in tests) needs an `http.Agent`: vk-io's default agent
 * speaks HTTPS only.
 */
import http from 'node:http';
import https from 'node:https';
import { APIError, APIRequest, VK } from 'vk-io';

export type VkParams = Record<string, string | number | undefined>;

/** A response that is neither `{response}` nor `{error}`: a proxy's page, a truncated body … */
export class VkProtocolError extends Error {
  override name = 'VkProtocolError';
}

export class VkApi {
  readonly vk: VK;
  private readonly agent: http.Agent;

  constructor(options: { token: string; baseUrl: string; timeoutMs: number }) {
    const baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.agent = baseUrl.startsWith('http://') ? new http.Agent({ keepAlive: true }) : new https.Agent({ keepAlive: true });
    this.vk = new VK({
      token: options.token,
      apiBaseUrl: baseUrl,
      // vk-io types its agent as an https.Agent; node-fetch takes either kind.
      agent: this.agent as https.Agent,
      apiTimeout: options.timeoutMs,
      apiRetryLimit: 0,
      apiLimit: 20,
    });
  }

  /** Calls one method; throws vk-io's `APIError` (with `code`) for a VK error, anything else for transport trouble. */
  async call<T>(method: string, params: VkParams = {}): Promise<T> {
    const raw: unknown = await new APIRequest({ api: this.vk.api, method, params }).make();
    if (raw && typeof raw === 'object') {
      if ('error' in raw && raw.error && typeof raw.error === 'object') throw new APIError(raw.error as ConstructorParameters<typeof APIError>[0]);
      if ('response' in raw) return raw.response as T;
    }
    throw new VkProtocolError(`VK answered ${method} with neither a response nor an error`);
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.agent.destroy();
  }
}
