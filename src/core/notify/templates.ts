/**
 * The texts the desk itself sends customers (not agents, not the bot): status changes, "we are
 * busy", auto-resolve, the CSAT survey. Each has a built-in Russian and English text;
 * `notifications` in the desk configuration overrides any of them. Placeholders:
 * {{ticket.number}}, {{customer.name}}, {{agent.name}}, {{reason}}, {{opensAt}}.
 */
import type { DeskConfig, Lang, NotificationKind } from '../deskConfig.js';
import { fillPlaceholders } from './placeholders.js';

/** The built-in texts, used when the configuration leaves a kind out. */
export const DEFAULT_NOTIFICATIONS: Record<NotificationKind, Record<Lang, string>> = {
  taken: {
    ru: '{{agent.name}} занимается вашим вопросом (обращение #{{ticket.number}}).',
    en: '{{agent.name}} is looking into your request (#{{ticket.number}}).',
  },
  pending: {
    ru: 'Обращение #{{ticket.number}} ждёт вашего ответа. {{reason}}',
    en: 'Request #{{ticket.number}} is waiting for your reply. {{reason}}',
  },
  resolved: {
    ru: 'Обращение #{{ticket.number}} решено. Если вопрос остался, просто ответьте на это сообщение — мы откроем его снова.',
    en: 'Request #{{ticket.number}} is resolved. If anything is left, just reply to this message and we will reopen it.',
  },
  busy: {
    ru: 'Все операторы сейчас заняты. Ваше обращение #{{ticket.number}} в очереди, мы ответим, как только освободимся.',
    en: 'All our agents are busy right now. Your request #{{ticket.number}} is in the queue; we will answer as soon as we can.',
  },
  busyClosed: {
    ru: 'Сейчас мы не работаем. Ваше обращение #{{ticket.number}} в очереди, мы ответим, когда откроемся: {{opensAt}}.',
    en: 'We are closed right now. Your request #{{ticket.number}} is in the queue; we will answer when we open: {{opensAt}}.',
  },
  autoResolved: {
    ru: 'Мы давно не получали от вас ответа, поэтому закрыли обращение #{{ticket.number}}. Если вопрос остался, просто напишите сюда — мы откроем его снова.',
    en: 'We have not heard from you for a while, so we closed request #{{ticket.number}}. If anything is left, just write here and we will reopen it.',
  },
  csat: {
    ru: 'Оцените, пожалуйста, как мы решили обращение #{{ticket.number}}: от 1 (плохо) до 5 (отлично). Можно добавить комментарий после оценки, например «5 спасибо!».',
    en: 'How did we do with request #{{ticket.number}}? Please rate us from 1 (poor) to 5 (excellent). You can add a comment after the number, e.g. "5 thanks!".',
  },
  csatThanks: {
    ru: 'Спасибо за оценку! Если остались вопросы, просто напишите их сюда.',
    en: 'Thank you for your rating! If you have another question, just write it here.',
  },
};

/** Who "{{agent.name}}" is when the agent has no name (a sentence still needs its subject). */
const SOMEONE: Record<Lang, string> = { ru: 'Оператор', en: 'An agent' };

/**
 * The text of one notification in the customer's language: the configured template, else the
 * built-in one, with its placeholders filled from `vars` (keys as in the template:
 * "ticket.number", "agent.name" …). A missing value leaves no trace: no "{{…}}", no double space.
 */
export function notificationText(config: DeskConfig, kind: NotificationKind, lang: Lang, vars: Record<string, string>): string {
  const template = config.notifications[kind]?.[lang] ?? DEFAULT_NOTIFICATIONS[kind][lang];
  const reason = vars.reason?.trim();
  return fillPlaceholders(template, {
    ...vars,
    'agent.name': vars['agent.name']?.trim() || SOMEONE[lang],
    // The reason is an agent's phrase ("ждём номер заказа") that the built-in texts put as a sentence of its own.
    reason: reason ? reason.charAt(0).toLocaleUpperCase(lang) + reason.slice(1) : undefined,
  });
}
