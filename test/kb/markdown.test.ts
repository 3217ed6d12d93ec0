import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KbArticle } from '../../src/kb/article.js';
import { articleToMarkdown, KbParseError, parseArticle, readKbDir, writeKbDir } from '../../src/kb/markdown.js';

const article: KbArticle = {
  id: 'delivery-time-ru',
  title: 'Сколько идёт доставка',
  lang: 'ru',
  category: 'Доставка',
  tags: ['delivery', 'faq'],
  questions: ['когда привезут мой заказ', 'сколько дней: доставка?', '- странный вопрос', '404'],
  body: 'По Москве — **1–2 дня**.\n\n- список\n- пунктов\n\n---\n\nПосле черты.',
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kb-md-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Markdown articles', () => {
  it('round-trips an article, including YAML-special characters and a "---" in the body', () => {
    const md = articleToMarkdown(article);
    expect(md.startsWith('---\nid: delivery-time-ru\n')).toBe(true);
    expect(parseArticle(md, 'x.md')).toEqual(article);
  });

  it('parses the documented format with defaults for optional fields', () => {
    const text = [
      '---',
      'id: contacts-en',
      'title: How to contact us',
      'lang: en',
      '---',
      'Write to **support@demo-shop.example**.',
      '',
    ].join('\r\n');
    expect(parseArticle(text, 'contacts-en.md')).toEqual({
      id: 'contacts-en',
      title: 'How to contact us',
      lang: 'en',
      category: null,
      tags: [],
      questions: [],
      body: 'Write to **support@demo-shop.example**.',
    });
  });

  it('marks a draft with published: false, and leaves published articles as they were', () => {
    const draft: KbArticle = { ...article, published: false };
    const md = articleToMarkdown(draft);
    expect(md).toMatch(/\npublished: false\n/);
    expect(parseArticle(md, 'x.md')).toEqual(draft);
    expect(articleToMarkdown({ ...article, published: true })).toBe(articleToMarkdown(article));
    expect(parseArticle(articleToMarkdown(article), 'x.md').published).toBeUndefined();
    expect(() => parseArticle('---\nid: a\ntitle: b\nlang: en\npublished: maybe\n---\ntext', 'x.md')).toThrow(/published must be true or false/);
  });

  it('writes one file per article and reads the folder back', async () => {
    const other: KbArticle = { ...article, id: 'returns-en', lang: 'en', title: 'Returns', category: null, tags: [] };
    await writeKbDir(dir, [article, other]);
    expect(await readFile(path.join(dir, 'returns-en.md'), 'utf8')).toBe(articleToMarkdown(other));
    await writeFile(path.join(dir, 'README.md'), '# not an article\n');
    expect(await readKbDir(dir)).toEqual([article, other]);
  });

  it.each([
    ['no front matter', '# Title\n\ntext', /missing YAML front matter/],
    ['unclosed front matter', '---\nid: a\ntitle: b\nlang: en\n', /missing YAML front matter/],
    ['broken YAML', '---\nid: [a\ntitle: b\n---\ntext', /invalid YAML front matter/],
    ['a list instead of a mapping', '---\n- a\n- b\n---\ntext', /must be a YAML mapping/],
    ['missing id', '---\ntitle: b\nlang: en\n---\n', /"id" is required/],
    ['bad language', '---\nid: a\ntitle: b\nlang: de\n---\n', /lang must be "ru" or "en", got "de"/],
    ['questions not a list', '---\nid: a\ntitle: b\nlang: en\nquestions: hello\n---\n', /"questions" must be a list/],
    ['unsafe id', '---\nid: ../etc\ntitle: b\nlang: en\n---\n', /id "..\/etc" may only contain/],
  ])('rejects %s with the file name in the message', (_name, text, problem) => {
    expect(() => parseArticle(text, 'kb/bad.md')).toThrow(KbParseError);
    expect(() => parseArticle(text, 'kb/bad.md')).toThrow(/^kb\/bad\.md: /);
    expect(() => parseArticle(text, 'kb/bad.md')).toThrow(problem);
  });

  it('readKbDir names the broken file and catches duplicate ids', async () => {
    await writeKbDir(dir, [article]);
    await writeFile(path.join(dir, 'broken.md'), '---\nid: x\ntitle: y\nlang: fr\n---\n');
    await expect(readKbDir(dir)).rejects.toThrow(/broken\.md: lang must be/);
    await rm(path.join(dir, 'broken.md'));
    await writeFile(path.join(dir, 'copy.md'), articleToMarkdown(article));
    await expect(readKbDir(dir)).rejects.toThrow(/duplicate id "delivery-time-ru"/);
  });

  it('every sample article is valid, bilingual and in an allowed category', async () => {
    const sample = await readKbDir('kb/sample');
    const allowed: Record<string, string[]> = {
      ru: ['Доставка', 'Возвраты', 'Оплата', 'Заказы', 'Аккаунт', 'Общие вопросы'],
      en: ['Delivery', 'Returns', 'Payment', 'Orders', 'Account', 'General'],
    };
    expect(sample.length).toBeGreaterThanOrEqual(24);
    for (const a of sample) {
      expect(a.id.endsWith(`-${a.lang}`)).toBe(true);
      expect(allowed[a.lang]).toContain(a.category);
      expect(a.questions.length).toBeGreaterThanOrEqual(5);
      expect(a.questions.length).toBeLessThanOrEqual(10);
      expect(a.body.length).toBeGreaterThan(20);
      const twin = a.id.replace(/-(ru|en)$/, a.lang === 'ru' ? '-en' : '-ru');
      expect(sample.some((b) => b.id === twin)).toBe(true);
    }
  });
});
