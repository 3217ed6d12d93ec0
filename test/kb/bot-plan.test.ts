/** The bot's dialogue policy and wording, without a database. */
import { describe, expect, it } from 'vitest';
import type { KbArticle } from '../../src/kb/article.js';
import { renderPlan } from '../../src/kb/bot-messages.js';
import { planTurn, promptOf, type BotPlan } from '../../src/kb/bot-plan.js';
import { KbIndex } from '../../src/kb/kb-index.js';
import { readKbDir } from '../../src/kb/markdown.js';
import { markdownToPlain, snippet } from '../../src/kb/plain-text.js';
import { DEFAULT_THRESHOLDS } from '../../src/kb/policy.js';
import { kbButtonId, parseChoice, parseFeedback, parseKbButton } from '../../src/kb/replies.js';
import { botThresholds, SAMPLE_KB_DIR, startupImport } from '../../src/kb/setup.js';
import { slugify } from '../../src/kb/slug.js';

const index = new KbIndex();
for (const a of await readKbDir(SAMPLE_KB_DIR)) index.upsert(a);
const plan = (text: string, extra: { buttonId?: string; prompt?: Parameters<typeof planTurn>[0]['prompt'] } = {}) =>
  planTurn({ text, buttonId: extra.buttonId, prompt: extra.prompt ?? null }, index, DEFAULT_THRESHOLDS);
const kind = (p: BotPlan): string => {
  switch (p.action) {
    case 'handoff': return `handoff:${p.reason}`;
    case 'answer': return `answer:${p.article.id}`;
    case 'deflected': return `deflected:${p.articleId}`;
    case 'smalltalk': return `smalltalk:${p.kind}`;
    case 'suggest': return `suggest:${p.candidates.map((c) => c.article.id).join(',')}`;
  }
};

describe('planTurn', () => {
  it('answers when confident, suggests when unsure, hands over on no match', () => {
    expect(kind(plan('How long does delivery take?'))).toBe('answer:delivery-time-en');
    expect(kind(plan('доставка'))).toBe('suggest:delivery-cost-ru,delivery-time-ru,change-address-ru');
    expect(kind(plan('what is the meaning of life'))).toBe('handoff:no_match');
    expect(kind(plan(''))).toBe('handoff:no_match'); // a photo without a caption needs a person
  });

  it('hands over whenever the customer asks for a person, before anything else', () => {
    expect(kind(plan('оператор'))).toBe('handoff:asked_for_human');
    expect(kind(plan('живой человек нужен'))).toBe('handoff:asked_for_human');
    expect(kind(plan('human'))).toBe('handoff:asked_for_human');
    expect(kind(plan('agent please', { prompt: { kind: 'feedback', articleId: 'returns-en' } }))).toBe('handoff:asked_for_human');
    expect(kind(plan('Talk to a person', { buttonId: kbButtonId.human }))).toBe('handoff:asked_for_human');
  });

  it('reads button presses by their id, whatever the label', () => {
    expect(kind(plan('Yes, thanks', { buttonId: 'kb:yes:returns-en', prompt: { kind: 'feedback', articleId: 'returns-en' } }))).toBe('deflected:returns-en');
    expect(kind(plan('Да', { buttonId: 'kb:no:returns-ru', prompt: { kind: 'feedback', articleId: 'returns-ru' } }))).toBe('handoff:not_helpful');
    expect(kind(plan('How to contact an operator', { buttonId: 'kb:article:contacts-en' }))).toBe('answer:contacts-en');
    // An article deleted since it was offered: the label is read as a question.
    expect(kind(plan('How long does delivery take', { buttonId: 'kb:article:gone' }))).toBe('answer:delivery-time-en');
    // Somebody else's button: the text decides.
    expect(kind(plan('How long does delivery take', { buttonId: 'shop:track' }))).toBe('answer:delivery-time-en');
  });

  it('reads a yes or no pressed after its question was answered as the words on it', () => {
    // The page was reloaded, or the old Telegram message still has its keyboard: the answer was given already.
    expect(kind(plan('Yes, thanks', { buttonId: 'kb:yes:returns-en' }))).toBe('smalltalk:closing');
    expect(kind(plan('Да, помогло', { buttonId: 'kb:yes:returns-ru', prompt: { kind: 'choice', articleIds: ['returns-ru'] } }))).toBe('smalltalk:closing');
    // A newer answer is waiting for its own yes or no: an old "no" answers that one.
    expect(kind(plan('No', { buttonId: 'kb:no:returns-en', prompt: { kind: 'feedback', articleId: 'refund-time-en' } }))).toBe('handoff:not_helpful');
    expect(kind(plan('Yes, thanks', { buttonId: 'kb:yes:returns-en', prompt: { kind: 'feedback', articleId: 'refund-time-en' } }))).toBe('deflected:refund-time-en');
  });

  it('answers a bare greeting or thank-you itself instead of searching or handing over', () => {
    for (const hello of ['привет', 'Здравствуйте!', 'добрый день', 'hi', 'Hello!', 'hey there', 'good morning', 'anyone there?']) {
      expect(kind(plan(hello)), hello).toBe('smalltalk:greeting');
    }
    for (const bye of ['спасибо', 'спасибо большое!', 'ок, понятно', 'пока', 'до свидания', 'thanks!', 'thank you very much', 'ok thanks bye', 'got it']) {
      expect(kind(plan(bye)), bye).toBe('smalltalk:closing');
    }
    // Anything more is a question.
    expect(kind(plan('привет, где мой заказ?'))).toBe('answer:order-status-ru');
    expect(kind(plan('hi, how long does delivery take'))).toBe('answer:delivery-time-en');
    expect(kind(plan('good'))).toBe('handoff:no_match');
    // Right after "did this help?", thanks is a yes.
    expect(kind(plan('спасибо', { prompt: { kind: 'feedback', articleId: 'returns-ru' } }))).toBe('deflected:returns-ru');
  });

  it('takes typed yes/no only right after "did this help?"', () => {
    const prompt = { kind: 'feedback' as const, articleId: 'returns-ru' };
    expect(kind(plan('да, спасибо', { prompt }))).toBe('deflected:returns-ru');
    expect(kind(plan('нет, не помогло', { prompt }))).toBe('handoff:not_helpful');
    expect(kind(plan('it did not help', { prompt }))).toBe('handoff:not_helpful');
    // A new question, not a yes.
    expect(kind(plan('да, а сколько стоит доставка?', { prompt }))).toBe('answer:delivery-cost-ru');
    // With no question open, a yes resolves nothing: the bot only says it is glad to help.
    expect(kind(plan('yes'))).toBe('smalltalk:closing');
  });

  it('takes a typed number or title as a pick from the offered articles', () => {
    const prompt = { kind: 'choice' as const, articleIds: ['delivery-cost-ru', 'delivery-time-ru', 'change-address-ru'] };
    expect(kind(plan('2', { prompt }))).toBe('answer:delivery-time-ru');
    expect(kind(plan('сколько идёт доставка', { prompt }))).toBe('answer:delivery-time-ru');
    expect(kind(plan('7', { prompt })).startsWith('answer:')).toBe(false);
  });
});

describe('promptOf', () => {
  it('reads what a bot message asked from its buttons', () => {
    expect(promptOf([{ id: 'kb:yes:a', label: 'Yes' }, { id: 'kb:no:a', label: 'No' }])).toEqual({ kind: 'feedback', articleId: 'a' });
    expect(promptOf([{ id: 'kb:article:a', label: 'A' }, { id: 'kb:article:b', label: 'B' }, { id: 'kb:human', label: 'Person' }])).toEqual({ kind: 'choice', articleIds: ['a', 'b'] });
    expect(promptOf([])).toBeNull();
  });
});

describe('replies', () => {
  it('parses the bot button ids', () => {
    expect(parseKbButton('kb:yes:delivery-time-ru')).toEqual({ kind: 'yes', articleId: 'delivery-time-ru' });
    expect(parseKbButton('kb:article:a.b_c')).toEqual({ kind: 'article', articleId: 'a.b_c' });
    expect(parseKbButton('kb:human')).toEqual({ kind: 'human' });
    expect(parseKbButton('kb:maybe:x')).toBeNull();
    expect(parseKbButton(undefined)).toBeNull();
  });

  it('understands short yes/no answers in both languages', () => {
    for (const yes of ['да', 'Да!', 'ага', 'да, спасибо большое', 'спасибо', 'Yes', 'yep, thanks', 'it helped', 'ok']) expect(parseFeedback(yes), yes).toBe('yes');
    for (const no of ['нет', 'Нет.', 'не помогло', 'нет, спасибо', 'no', 'nope', "didn't help", 'not really']) expect(parseFeedback(no), no).toBe('no');
    for (const other of ['да?', 'как вернуть товар', 'yes I want to return the jacket I bought', '']) expect(parseFeedback(other), other).toBeNull();
  });

  it('understands a typed pick', () => {
    expect(parseChoice('1', 3)).toBe(0);
    expect(parseChoice(' #3. ', 3)).toBe(2);
    expect(parseChoice('№2', 3)).toBe(1);
    expect(parseChoice('4', 3)).toBeNull();
    expect(parseChoice('1 and 2', 3)).toBeNull();
  });
});

describe('renderPlan', () => {
  const article: KbArticle = { id: 'a-en', title: 'Title', lang: 'en', body: 'Pay **by card**.', questions: [], tags: [] };

  it('puts yes/no buttons under the answer, and tells button-less channels to type', () => {
    const [withButtons] = renderPlan({ action: 'answer', article, confidence: 0.95 }, 'en', 'widget');
    expect(withButtons).toEqual({
      authorKind: 'bot',
      authorName: 'Helper bot',
      text: 'Title\n\nPay by card.\n\nDid this help?',
      buttons: [{ id: 'kb:yes:a-en', label: 'Yes, thanks' }, { id: 'kb:no:a-en', label: 'No' }],
    });
    const [plain] = renderPlan({ action: 'answer', article, confidence: 0.95 }, 'ru', 'whatsapp');
    expect(plain!.text.endsWith('Это помогло? Ответьте «да» или «нет».')).toBe(true);
  });

  it('lists the suggestions as buttons, or numbered for button-less channels', () => {
    const candidates = ['a', 'b'].map((id) => ({ article: { ...article, id, title: `T-${id}` }, score: 1, confidence: 0.4, explained: 0.5 }));
    const [widget] = renderPlan({ action: 'suggest', candidates }, 'en', 'widget');
    expect(widget!.text).toBe('Did you mean:');
    expect(widget!.buttons).toEqual([{ id: 'kb:article:a', label: 'T-a' }, { id: 'kb:article:b', label: 'T-b' }, { id: 'kb:human', label: 'Talk to a person' }]);
    const [whatsapp] = renderPlan({ action: 'suggest', candidates }, 'en', 'whatsapp');
    expect(whatsapp!.text).toMatch(/^Did you mean:\n1\. T-a\n2\. T-b\n\nReply with the number/);
  });

  it('greets with a button to a person, and says goodbye without one', () => {
    const [hello] = renderPlan({ action: 'smalltalk', kind: 'greeting' }, 'ru', 'telegram');
    expect(hello!.text).toMatch(/^Здравствуйте! Напишите ваш вопрос/);
    expect(hello!.buttons).toEqual([{ id: 'kb:human', label: 'Позвать оператора' }]);
    const [bye] = renderPlan({ action: 'smalltalk', kind: 'closing' }, 'en', 'widget');
    expect(bye).toMatchObject({ text: 'Happy to help! If you have another question, just write here.', buttons: [] });
  });

  it('words the handoff by its reason and language', () => {
    expect(renderPlan({ action: 'handoff', reason: 'no_match', confidence: null }, 'ru', 'api')[0]!.text).toMatch(/^Я не нашёл готового ответа/);
    expect(renderPlan({ action: 'handoff', reason: 'asked_for_human', confidence: null }, 'en', 'api')[0]!.text).toMatch(/agent/);
  });
});

describe('plain text', () => {
  it('turns Markdown into text a chat shows as-is', () => {
    expect(markdownToPlain('# Title\n\nPay **by card** or _cash_, see [the terms](https://x.example/t).\n\n* one\n* two\n\n\n\n`code`'))
      .toBe('Title\n\nPay by card or cash, see the terms (https://x.example/t).\n\n- one\n- two\n\ncode');
    expect(markdownToPlain('snake_case_name and 2*3*4')).toBe('snake_case_name and 2*3*4');
  });

  it('cuts snippets at a word', () => {
    expect(snippet('short')).toBe('short');
    const s = snippet('word '.repeat(100), 30);
    expect(s.length).toBeLessThanOrEqual(30);
    expect(s.endsWith('word…')).toBe(true);
  });
});

describe('setup', () => {
  it('makes readable ASCII ids from titles', () => {
    expect(slugify('Сколько идёт доставка?', 'ru')).toBe('skolko-idet-dostavka-ru');
    expect(slugify('How much does delivery cost', 'en', 2)).toBe('how-much-does-delivery-cost-2-en');
    expect(slugify('!!!', 'en')).toBe('article-en');
    expect(slugify('a'.repeat(100), 'en').length).toBeLessThanOrEqual(63);
  });

  it('takes thresholds from the environment, refusing a suggest cut-off above the answer one', () => {
    expect(botThresholds({})).toEqual(DEFAULT_THRESHOLDS);
    expect(botThresholds({ KB_ANSWER_THRESHOLD: 0.8, KB_SUGGEST_THRESHOLD: 0.5 })).toEqual({ answer: 0.8, suggest: 0.5 });
    expect(botThresholds({ KB_ANSWER_THRESHOLD: 0.5 })).toEqual({ answer: 0.5, suggest: 0.5 });
    expect(() => botThresholds({ KB_ANSWER_THRESHOLD: 0.5, KB_SUGGEST_THRESHOLD: 0.6 })).toThrow(/KB_SUGGEST_THRESHOLD/);
  });

  it('imports KB_DIR at start, and the sample only in the demo', () => {
    expect(startupImport({ KB_DIR: 'my-kb', NODE_ENV: 'production', SERVE_DEMO: false })).toEqual({ dir: 'my-kb', onlyIfEmpty: false });
    expect(startupImport({ KB_DIR: undefined, NODE_ENV: 'development', SERVE_DEMO: true })).toEqual({ dir: SAMPLE_KB_DIR, onlyIfEmpty: true });
    expect(startupImport({ KB_DIR: undefined, NODE_ENV: 'development', SERVE_DEMO: false })).toBeNull();
    expect(startupImport({ KB_DIR: undefined, NODE_ENV: 'test', SERVE_DEMO: true })).toBeNull();
    expect(startupImport({ KB_DIR: undefined, NODE_ENV: 'production', SERVE_DEMO: true })).toBeNull();
  });
});
