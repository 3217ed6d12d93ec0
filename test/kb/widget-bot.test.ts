/** The KB bot in the web widget: a visitor on a real WebSocket, buttons pressed as the widget does. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { SAMPLE_KB_DIR } from '../../src/kb/setup.js';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway({ KB_DIR: SAMPLE_KB_DIR });
});
afterAll(async () => {
  await t?.stop();
});

interface Frame {
  type: string;
  message?: { author: { kind: string; name: string | null }; text: string; buttons: Array<{ id: string; label: string }> };
  ticketNumber?: number;
}

async function visitor() {
  const session = (await (await fetch(`${t.baseUrl}/widget/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json()) as { token: string };
  const ws = new WebSocket(`${t.baseUrl.replace(/^http/, 'ws')}/widget/ws?token=${encodeURIComponent(session.token)}`);
  const frames: Frame[] = [];
  ws.on('message', (data) => frames.push(JSON.parse(data.toString()) as Frame));
  await eventually(() => frames.some((f) => f.type === 'hello'), 5000, 'hello');
  const send = (frame: Record<string, unknown>) => ws.send(JSON.stringify({ clientId: randomUUID(), ...frame }));
  const botMessage = (n: number) =>
    eventually(() => frames.filter((f) => f.type === 'message' && f.message?.author.kind === 'bot')[n - 1]?.message, 8000, `bot message #${n}`);
  const ticketNumber = () => eventually(() => frames.find((f) => f.type === 'ack')?.ticketNumber, 5000, 'ack');
  return { ws, send, botMessage, ticketNumber };
}

describe('the KB bot in the widget', () => {
  it('answers the first question of the form with buttons, and "No" hands over', async () => {
    const v = await visitor();
    v.send({ type: 'start', name: 'Анна', email: 'anna@example.com', text: 'Как вернуть товар?', lang: 'ru' });
    const answer = await v.botMessage(1);
    expect(answer.author).toEqual({ kind: 'bot', name: 'Бот-помощник' });
    expect(answer.text).toMatch(/^Как вернуть товар\n\n/);
    expect(answer.buttons.map((b) => b.id)).toEqual(['kb:yes:returns-ru', 'kb:no:returns-ru']);

    const no = answer.buttons[1]!;
    v.send({ type: 'button', buttonId: no.id, label: no.label });
    expect((await v.botMessage(2)).text).toBe('Жаль, что не помогло. Передаю ваш вопрос оператору: он ответит здесь.');
    const ticket = await t.gateway.db.ticket.findUniqueOrThrow({ where: { number: await v.ticketNumber() } });
    expect(ticket.botActive).toBe(false);
    v.ws.close();
  });

  it('"Yes" closes the question as solved by the bot', async () => {
    const v = await visitor();
    v.send({ type: 'start', name: 'John', email: 'john@example.com', text: 'What are your opening hours?', lang: 'en' });
    const answer = await v.botMessage(1);
    const yes = answer.buttons[0]!;
    v.send({ type: 'button', buttonId: yes.id, label: yes.label });
    expect((await v.botMessage(2)).text).toMatch(/^Glad it helped!/);
    const ticket = await t.gateway.db.ticket.findUniqueOrThrow({ where: { number: await v.ticketNumber() } });
    expect(ticket.status).toBe('resolved');
    v.ws.close();
  });

  it('greets a bare hello and keeps the ticket; "thanks" after a solved question leaves it solved', async () => {
    const v = await visitor();
    v.send({ type: 'start', name: 'Олег', email: 'oleg@example.com', text: 'Здравствуйте!', lang: 'ru' });
    const hello = await v.botMessage(1);
    expect(hello.text).toMatch(/^Здравствуйте! Напишите ваш вопрос/);
    const number = await v.ticketNumber();
    expect((await t.gateway.db.ticket.findUniqueOrThrow({ where: { number } })).botActive).toBe(true);

    v.send({ type: 'message', text: 'сколько стоит доставка' });
    const answer = await v.botMessage(2);
    expect(answer.buttons.map((b) => b.id)).toEqual(['kb:yes:delivery-cost-ru', 'kb:no:delivery-cost-ru']);
    const yes = answer.buttons[0]!;
    v.send({ type: 'button', buttonId: yes.id, label: yes.label });
    await v.botMessage(3);
    // The page is reloaded and the old "yes" pressed again: no second deflection, the ticket stays solved.
    v.send({ type: 'button', buttonId: yes.id, label: yes.label });
    expect((await v.botMessage(4)).text).toMatch(/^Всегда рад помочь!/);
    v.send({ type: 'message', text: 'спасибо большое!' });
    expect((await v.botMessage(5)).text).toMatch(/^Всегда рад помочь!/);
    await eventually(async () => (await t.gateway.db.ticket.findUniqueOrThrow({ where: { number } })).status === 'resolved', 5000, 'resolved again');
    const ticket = await t.gateway.db.ticket.findUniqueOrThrow({ where: { number } });
    expect({ botActive: ticket.botActive, deflections: ticket.deflectedTurns, handoffs: ticket.handoffTurns }).toEqual({ botActive: true, deflections: 1, handoffs: 0 });
    v.ws.close();
  });
});
