/**
 * TRUST_PROXY decides whose X-Forwarded-For names the client, and so which address the console's
 * per-IP sign-in limit counts: a client cannot spread its attempts over made-up addresses unless
 * it comes through a proxy we trust. (The tests connect from 127.0.0.1, a loopback "proxy".)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

let t: TestGateway | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

/** Failed sign-ins for different emails, each claiming another client address; their statuses. */
async function failedSignIns(gateway: TestGateway, count: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 1; i <= count; i++) {
    const res = await fetch(`${gateway.baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': `203.0.113.${i}` },
      body: JSON.stringify({ email: `nobody${i}@example.com`, password: 'wrong password' }),
    });
    statuses.push(res.status);
  }
  return statuses;
}

describe('TRUST_PROXY', () => {
  it('false: the address of the connection itself is counted, whatever X-Forwarded-For says', async () => {
    // One attempt per email, four per address: the fifth from this machine is refused.
    t = await startTestGateway({ TRUST_PROXY: 'false', LOGIN_MAX_ATTEMPTS: '1' });
    expect(await failedSignIns(t, 5)).toEqual([401, 401, 401, 401, 429]);
  });

  it('the default believes a proxy on this machine: each forwarded client is counted apart', async () => {
    t = await startTestGateway({ LOGIN_MAX_ATTEMPTS: '1' });
    expect(await failedSignIns(t, 5)).toEqual([401, 401, 401, 401, 401]);
  });
});
