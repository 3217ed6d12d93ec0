/**
 * Who may edit an agent's reply through PATCH /api/v1/tickets/:number/messages/:messageId: the
 * bearer token (an admin) names the editor in `agent`; a console session is its own agent profile,
 * whatever the body says, so a signed-in user cannot pass another agent's handle to edit their reply.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { addUser, signIn, type SignedIn } from '../console/support.js';

let t: TestGateway;
let noProfile: SignedIn;
let boris: SignedIn;
let admin: SignedIn;

beforeAll(async () => {
  t = await startTestGateway({ BOT_ENABLED: 'false' });
  for (const [handle, name] of [['alice', 'Alice'], ['boris', 'Boris']]) expect((await t.api('POST', '/agents', { handle, name, email: `${handle}@example.com` })).status).toBe(201);
  const pw = {
    noProfile: await addUser(t, 'nobody@example.com', 'agent'),
    boris: await addUser(t, 'boris@example.com', 'agent'),
    admin: await addUser(t, 'root@example.com', 'admin'),
  };
  noProfile = await signIn(t, 'nobody@example.com', pw.noProfile);
  boris = await signIn(t, 'boris@example.com', pw.boris);
  admin = await signIn(t, 'root@example.com', pw.admin);
  expect(noProfile.user.agent).toBeNull();
  expect(boris.user.agent?.handle).toBe('boris');
});
afterAll(async () => {
  await t?.stop();
});

/** A ticket with a note by alice (a note: nothing to deliver, the edit's outcome is immediate). */
async function aliceNote(): Promise<{ number: number; messageId: string }> {
  const chatId = `c-${randomUUID()}`;
  const res = await t.inbound({ chatId, messageId: randomUUID(), from: { id: chatId, name: 'Ivan' }, text: 'Где мой заказ?' });
  const { ticketNumber: number } = (await res.json()) as { ticketNumber: number };
  const reply = await t.api('POST', `/tickets/${number}/messages`, { text: 'проверить склад', internal: true, agent: 'alice' });
  expect(reply.status).toBe(201);
  return { number, messageId: ((await reply.json()) as { messageId: string }).messageId };
}

describe("editing another agent's reply", () => {
  it('a signed-in agent without a profile cannot edit it by naming its author: 403, the text stays', async () => {
    const { number, messageId } = await aliceNote();
    const res = await noProfile.api('PATCH', `/tickets/${number}/messages/${messageId}`, { text: 'чужая правка', agent: 'alice' });
    expect(res.status).toBe(403);
    expect((await t.gateway.db.message.findUniqueOrThrow({ where: { id: messageId } })).text).toBe('проверить склад');
  });

  it("a signed-in agent is themselves: naming the author does not make them the author", async () => {
    const { number, messageId } = await aliceNote();
    expect((await boris.api('PATCH', `/tickets/${number}/messages/${messageId}`, { text: 'чужая правка', agent: 'alice' })).status).toBe(403);
    expect(await t.gateway.db.messageEdit.count({ where: { messageId } })).toBe(0);
  });

  it('an admin session and the bearer token may edit it', async () => {
    const { number, messageId } = await aliceNote();
    expect((await admin.api('PATCH', `/tickets/${number}/messages/${messageId}`, { text: 'проверить склад и оплату' })).status).toBe(200);
    expect((await t.api('PATCH', `/tickets/${number}/messages/${messageId}`, { text: 'проверить склад, оплату и адрес', agent: 'alice' })).status).toBe(200);
    expect((await t.gateway.db.message.findUniqueOrThrow({ where: { id: messageId } })).text).toBe('проверить склад, оплату и адрес');
  });
});
