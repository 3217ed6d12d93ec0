/** Notification texts, placeholders, the CSAT survey and what counts as a rating: pure functions. */
import { describe, expect, it } from 'vitest';
import { inlineKeyboard } from '../../src/adapters/telegram/buttons.js';
import { buttonIdFromPayload, renderKeyboard } from '../../src/adapters/vk/keyboard.js';
import { renderText as renderWhatsApp } from '../../src/adapters/whatsapp/format.js';
import { cannedText, renderCanned } from '../../src/core/canned.js';
import { emptyDeskConfig, parseDeskConfig, type NotificationKind } from '../../src/core/deskConfig.js';
import { csatScoreOfButton, csatSurvey } from '../../src/core/notify/csat.js';
import { parseCsatAnswer } from '../../src/core/notify/csatReply.js';
import { customerLang } from '../../src/core/notify/lang.js';
import { fillPlaceholders } from '../../src/core/notify/placeholders.js';
import { notificationFor } from '../../src/core/notify/statusNotifications.js';
import { DEFAULT_NOTIFICATIONS, notificationText } from '../../src/core/notify/templates.js';

const KINDS = Object.keys(DEFAULT_NOTIFICATIONS) as NotificationKind[];

describe('notificationText', () => {
  const config = emptyDeskConfig();

  it('has a built-in Russian and English text for every kind the configuration declares', () => {
    expect(KINDS.sort()).toEqual(['autoResolved', 'busy', 'busyClosed', 'csat', 'csatThanks', 'pending', 'resolved', 'taken']);
    for (const kind of KINDS) {
      for (const lang of ['ru', 'en'] as const) {
        const text = notificationText(config, kind, lang, { 'ticket.number': '1042', 'agent.name': 'Иван', 'customer.name': 'Olga', reason: 'нужен номер заказа', opensAt: 'Mon 09:00' });
        expect(text, `${kind}/${lang}`).not.toMatch(/\{\{|\}\}|\s{2}|\s[,.!?]/);
        expect(text.length).toBeGreaterThan(10);
      }
    }
    expect(notificationText(config, 'taken', 'ru', { 'ticket.number': '1042', 'agent.name': 'Иван' })).toBe('Иван занимается вашим вопросом (обращение #1042).');
    expect(notificationText(config, 'resolved', 'en', { 'ticket.number': '7' })).toMatch(/reply to this message/);
    expect(notificationText(config, 'busyClosed', 'en', { 'ticket.number': '7', opensAt: 'Monday 09:00' })).toContain('Monday 09:00');
    expect(notificationText(config, 'pending', 'en', { 'ticket.number': '7', reason: 'please send a photo of the label' })).toBe(
      'Request #7 is waiting for your reply. Please send a photo of the label',
    );
  });

  it('renders missing values sensibly: no placeholders, no double spaces, a subject for "taken"', () => {
    expect(notificationText(config, 'pending', 'ru', { 'ticket.number': '5' })).toBe('Обращение #5 ждёт вашего ответа.');
    expect(notificationText(config, 'taken', 'ru', { 'ticket.number': '5' })).toBe('Оператор занимается вашим вопросом (обращение #5).');
    expect(notificationText(config, 'taken', 'en', { 'ticket.number': '5', 'agent.name': '  ' })).toBe('An agent is looking into your request (#5).');
  });

  it('takes the configured template over the built-in one, per kind', () => {
    const custom = parseDeskConfig(
      'notifications:\n  resolved: { ru: "Готово, {{customer.name}}! #{{ticket.number}}", en: "Done, {{customer.name}}! #{{ticket.number}}" }\n',
      'test.yaml',
    );
    expect(notificationText(custom, 'resolved', 'ru', { 'ticket.number': '9', 'customer.name': 'Оля' })).toBe('Готово, Оля! #9');
    expect(notificationText(custom, 'resolved', 'en', { 'ticket.number': '9' })).toBe('Done! #9');
    expect(notificationText(custom, 'taken', 'en', { 'ticket.number': '9', 'agent.name': 'Ann' })).toBe(notificationText(config, 'taken', 'en', { 'ticket.number': '9', 'agent.name': 'Ann' }));
  });
});

describe('fillPlaceholders', () => {
  it('fills values and tidies only around empty ones', () => {
    expect(fillPlaceholders('Hello, {{customer.name}}!', { 'customer.name': 'Ivan' })).toBe('Hello, Ivan!');
    expect(fillPlaceholders('Hello, {{ customer.name }}!', {})).toBe('Hello!');
    expect(fillPlaceholders('{{customer.name}}, hello', {})).toBe('hello');
    expect(fillPlaceholders('Hi {{customer.name}} and welcome', { 'customer.name': null })).toBe('Hi and welcome');
    expect(fillPlaceholders('Request (#{{ticket.number}}) done', {})).toBe('Request done');
    expect(fillPlaceholders('Waiting: {{reason}}', {})).toBe('Waiting');
    expect(fillPlaceholders('#{{ticket.number}}', { 'ticket.number': 1001 })).toBe('#1001');
    // Text without empty placeholders is left exactly as written (double spaces, a colon before a list).
    expect(fillPlaceholders('Steps:\n1.  open  the box', {})).toBe('Steps:\n1.  open  the box');
    expect(fillPlaceholders('Dear {{customer.name}}:\n- one', { 'customer.name': 'Ann' })).toBe('Dear Ann:\n- one');
  });
});

describe('customerLang', () => {
  it('maps platform language codes to ru or en, with a fallback', () => {
    expect(customerLang('ru')).toBe('ru');
    expect(customerLang('ru-RU')).toBe('ru');
    expect(customerLang('EN-us')).toBe('en');
    expect(customerLang('de')).toBe('en');
    expect(customerLang(null)).toBe('en');
    expect(customerLang(undefined, 'ru')).toBe('ru');
    expect(customerLang('uk', 'ru')).toBe('ru');
  });
});

describe('the CSAT survey', () => {
  it('has five buttons csat:1 … csat:5 and a text that says how to rate and comment', () => {
    const survey = csatSurvey(emptyDeskConfig(), 'ru', 1042);
    expect(survey.buttons.map((b) => b.id)).toEqual(['csat:1', 'csat:2', 'csat:3', 'csat:4', 'csat:5']);
    expect(survey.buttons.map((b) => b.label)).toEqual(['⭐', '⭐⭐', '⭐⭐⭐', '⭐⭐⭐⭐', '⭐⭐⭐⭐⭐']);
    expect(survey.text).toContain('#1042');
    expect(survey.text).toMatch(/от 1 .* до 5/);
    expect(csatSurvey(emptyDeskConfig(), 'en', 7).text).toMatch(/from 1 .* to 5/);
    expect(csatScoreOfButton('csat:3')).toBe(3);
    expect(csatScoreOfButton('csat:6')).toBeNull();
    expect(csatScoreOfButton('kb:yes:x')).toBeNull();
  });

  it('reads a rating from a button, a digit, a digit with a comment, or stars; not from a question or a number', () => {
    expect(parseCsatAnswer('⭐⭐⭐⭐', 'csat:4')).toEqual({ score: 4, comment: null, pressed: true });
    expect(parseCsatAnswer('4', undefined)).toEqual({ score: 4, comment: null, pressed: false });
    expect(parseCsatAnswer(' 5! ')).toEqual({ score: 5, comment: null, pressed: false });
    expect(parseCsatAnswer('4 долго везли')).toEqual({ score: 4, comment: 'долго везли', pressed: false });
    expect(parseCsatAnswer('2, курьер опоздал.\nИ коробка мятая')).toEqual({ score: 2, comment: 'курьер опоздал.\nИ коробка мятая', pressed: false });
    expect(parseCsatAnswer('5/5 спасибо')).toEqual({ score: 5, comment: 'спасибо', pressed: false });
    expect(parseCsatAnswer('3 из 5')).toEqual({ score: 3, comment: null, pressed: false });
    expect(parseCsatAnswer('4 — good but slow')).toEqual({ score: 4, comment: 'good but slow', pressed: false });
    expect(parseCsatAnswer('⭐⭐⭐')).toEqual({ score: 3, comment: null, pressed: false });
    for (const text of ['6', '0', '10', '3.5', '2,5', '1 где мой возврат?', 'hello', '', 'order 4', '12345 is my order', `4 ${'x'.repeat(600)}`]) {
      expect(parseCsatAnswer(text), text).toBeNull();
    }
    // Another button (the bot's) is never a rating, whatever its label says.
    expect(parseCsatAnswer('5', 'kb:article:x')).toBeNull();
  });
});

describe('notificationFor', () => {
  const agent = { kind: 'agent' as const, name: 'Ann' };
  it('picks taken, pending (with a reason) and resolved (by a person) from a change', () => {
    expect(notificationFor({ changes: { assigneeId: { from: null, to: 'a1' } }, actor: agent })).toBe('taken');
    expect(notificationFor({ changes: { assigneeId: { from: 'a1', to: null } }, actor: agent })).toBeNull();
    // A reply's own assignment ("assignee") is not announced: the customer is reading the reply.
    expect(notificationFor({ changes: { assignee: { from: null, to: 'ann' } }, actor: agent })).toBeNull();
    expect(notificationFor({ changes: { status: { from: 'open', to: 'pending' } }, actor: agent, reason: 'need the order number' })).toBe('pending');
    expect(notificationFor({ changes: { status: { from: 'open', to: 'pending' } }, actor: agent })).toBeNull();
    expect(notificationFor({ changes: { status: { from: 'open', to: 'resolved' } }, actor: agent })).toBe('resolved');
    expect(notificationFor({ changes: { status: { from: 'open', to: 'resolved' } }, actor: { kind: 'bot' } })).toBeNull();
    expect(notificationFor({ changes: { status: { from: 'open', to: 'resolved' } }, actor: { kind: 'system', name: 'auto-resolve' } })).toBeNull();
    expect(notificationFor({ changes: { status: { from: 'open', to: 'closed' } }, actor: agent })).toBeNull();
  });
});

describe('canned texts', () => {
  it('take one text for both languages or one per language, with placeholders', () => {
    const config = parseDeskConfig(
      'canned:\n  - { shortcut: hi, text: { ru: "Здравствуйте, {{customer.name}}! Я {{agent.name}}.", en: "Hello {{customer.name}}! I am {{agent.name}}." } }\n  - { shortcut: link, text: "https://shop.example/track #{{ticket.number}}" }\n',
      't.yaml',
    );
    const [hi, link] = config.canned;
    expect(renderCanned(hi!, 'ru', { 'customer.name': 'Оля', 'agent.name': 'Иван' })).toBe('Здравствуйте, Оля! Я Иван.');
    expect(renderCanned(hi!, 'en', { 'agent.name': 'Ivan' })).toBe('Hello! I am Ivan.');
    expect(renderCanned(link!, 'ru', { 'ticket.number': 1001 })).toBe('https://shop.example/track #1001');
    expect(cannedText(link!, 'en')).toBe(cannedText(link!, 'ru'));
  });
});

describe('the survey on each channel', () => {
  const survey = csatSurvey(emptyDeskConfig(), 'ru', 1042);

  it('WhatsApp: a numbered list whose numbers are the ratings (a typed "3" rates 3)', () => {
    const text = renderWhatsApp({ text: survey.text, buttons: survey.buttons, author: { kind: 'system', name: null } });
    expect(text.endsWith('\n\n1. ⭐\n2. ⭐⭐\n3. ⭐⭐⭐\n4. ⭐⭐⭐⭐\n5. ⭐⭐⭐⭐⭐')).toBe(true);
    expect(parseCsatAnswer('3')?.score).toBe(3);
  });

  it('VK: a keyboard whose buttons carry csat:N in their payload', () => {
    const { keyboard, overflow } = renderKeyboard(survey.buttons);
    expect(overflow).toEqual([]);
    const rows = (JSON.parse(keyboard!) as { buttons: Array<Array<{ action: { label: string; payload: string } }>> }).buttons;
    expect(rows.flat().map((b) => buttonIdFromPayload(b.action.payload))).toEqual(['csat:1', 'csat:2', 'csat:3', 'csat:4', 'csat:5']);
    expect(rows.flat().map((b) => b.action.label)).toEqual(survey.buttons.map((b) => b.label));
  });

  it('Telegram: an inline keyboard with csat:N as callback data', () => {
    expect(inlineKeyboard(survey.buttons).inline_keyboard.flat().map((k) => ('callback_data' in k ? k.callback_data : null))).toEqual(['csat:1', 'csat:2', 'csat:3', 'csat:4', 'csat:5']);
  });
});
