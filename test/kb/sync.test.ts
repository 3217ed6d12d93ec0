/**
 * Several gateways on one database and one Redis prefix behave as one knowledge base; the
 * Markdown import/export (`npm run kb`) round-trips the sample KB and tells running gateways.
 */
import { cp, mkdtemp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKbCommand } from '../../scripts/kb.js';
import { SAMPLE_KB_DIR } from '../../src/kb/setup.js';
import { API_SECRET, eventually, startTestGateway, type TestGateway } from '../support/gateway.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver.js';
import { Chat } from './support.js';

let a: TestGateway;
let b: TestGateway;
let hook: WebhookReceiver;
let tmp: string;

beforeAll(async () => {
  hook = await startWebhookReceiver(API_SECRET);
  tmp = await mkdtemp(path.join(tmpdir(), 'omnidesk-kb-'));
  // No KB_DIR: the knowledge base starts empty and is filled by the script, as in production.
  a = await startTestGateway({ API_CHANNEL_WEBHOOK_URL: hook.url });
  b = await startTestGateway({ API_CHANNEL_WEBHOOK_URL: hook.url, REDIS_PREFIX: a.redisPrefix }, { databaseUrl: a.databaseUrl });
});
afterAll(async () => {
  await b?.stop();
  await a?.stop();
  await hook?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const lines: string[] = [];
const kb = (...args: string[]) =>
  runKbCommand(args, { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: a.databaseUrl, REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', REDIS_PREFIX: a.redisPrefix }, (l) => void lines.push(l));

describe('npm run kb', () => {
  it('imports the sample KB, and the running gateways index it without a restart', async () => {
    expect(a.gateway.knowledge.kb.size).toBe(0);
    expect(await kb('import', SAMPLE_KB_DIR)).toBe(0);
    expect(lines.at(-1)).toBe(`Imported ${SAMPLE_KB_DIR}: 28 created, 0 updated, 0 unchanged, 0 deleted`);
    await eventually(() => a.gateway.knowledge.kb.size === 28 && b.gateway.knowledge.kb.size === 28, 5000, 'both gateways indexed 28 articles');
    expect(b.gateway.knowledge.kb.search('где мой заказ')[0]?.article.id).toBe('order-status-ru');
  });

  it('exports files that equal the sample, and re-imports them as unchanged', async () => {
    const out = path.join(tmp, 'export');
    expect(await kb('export', out)).toBe(0);
    expect(lines.at(-1)).toBe(`Exported 28 articles to ${out}`);
    const sample = (await readdir(SAMPLE_KB_DIR)).filter((f) => f.endsWith('.md') && f !== 'README.md').sort();
    expect((await readdir(out)).sort()).toEqual(sample);
    for (const file of sample) expect(await readFile(path.join(out, file), 'utf8'), file).toBe(await readFile(path.join(SAMPLE_KB_DIR, file), 'utf8'));

    expect(await kb('import', out)).toBe(0);
    expect(lines.at(-1)).toMatch(/: 0 created, 0 updated, 28 unchanged, 0 deleted$/);
  });

  it('syncs a folder with --prune: changed files are updated, removed files deleted', async () => {
    const dir = path.join(tmp, 'edited');
    await cp(SAMPLE_KB_DIR, dir, { recursive: true });
    await unlink(path.join(dir, 'warranty-en.md'));
    const file = path.join(dir, 'contacts-en.md');
    await writeFile(file, (await readFile(file, 'utf8')).replace('8 800 000-00-00', '8 800 111-11-11'));
    expect(await kb('import', dir)).toBe(0);
    expect(lines.at(-1)).toMatch(/: 0 created, 1 updated, 26 unchanged, 0 deleted$/);
    expect(await kb('import', dir, '--prune')).toBe(0);
    expect(lines.at(-1)).toMatch(/: 0 created, 0 updated, 27 unchanged, 1 deleted$/);
    await eventually(() => !b.gateway.knowledge.kb.get('warranty-en') && b.gateway.knowledge.kb.get('contacts-en')?.body.includes('111-11-11'), 5000, 'b sees the sync');
  });

  it('refuses a bad folder, naming the problem', async () => {
    const dir = path.join(tmp, 'bad');
    await cp(SAMPLE_KB_DIR, dir, { recursive: true });
    await writeFile(path.join(dir, 'broken.md'), '---\nid: broken\nlang: de\ntitle: x\n---\nbody\n');
    await expect(kb('import', dir)).rejects.toThrow(/broken\.md: lang must be "ru" or "en"/);
    expect(await kb('frobnicate', dir)).toBe(2);
  });
});

describe('two gateway instances', () => {
  it('an article created and edited on one is answered by the bot on the other', async () => {
    const created = await a.api('POST', '/kb/articles', {
      id: 'gift-wrap-en',
      title: 'Gift wrapping',
      lang: 'en',
      body: 'Tick Gift wrap at checkout.',
      questions: ['can you gift wrap my order'],
    });
    expect(created.status).toBe(201);
    await eventually(() => b.gateway.knowledge.kb.get('gift-wrap-en'), 5000, 'b has the new article');

    expect((await a.api('PATCH', '/kb/articles/gift-wrap-en', { body: 'Tick Gift wrap at checkout: 150 ₽.' })).status).toBe(200);
    await eventually(() => b.gateway.knowledge.kb.get('gift-wrap-en')?.body.endsWith('150 ₽.'), 5000, 'b has the edit');

    // The customer's message lands on b: b's bot answers with a's edit.
    const c = new Chat(b, hook);
    await c.say('Can you gift wrap my order?');
    expect((await c.botMessage(1)).text).toBe('Gift wrapping\n\nTick Gift wrap at checkout: 150 ₽.\n\nDid this help?');

    expect((await a.api('DELETE', '/kb/articles/gift-wrap-en')).status).toBe(204);
    await eventually(() => !b.gateway.knowledge.kb.get('gift-wrap-en'), 5000, 'b dropped the article');
  });

  it('a draft stays out of both indexes until published on one, and leaves both when unpublished', async () => {
    const draft = { id: 'gift-receipt-en', title: 'Gift receipt', lang: 'en', body: 'Tick "gift receipt" at checkout.', questions: ['can I get a gift receipt'], published: false };
    expect((await a.api('POST', '/kb/articles', draft)).status).toBe(201);
    expect((await b.api('PATCH', '/kb/articles/gift-receipt-en', { body: 'Tick "gift receipt" at checkout: no prices.' })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(a.gateway.knowledge.kb.get('gift-receipt-en')).toBeUndefined();
    expect(b.gateway.knowledge.kb.get('gift-receipt-en')).toBeUndefined();

    expect((await a.api('PATCH', '/kb/articles/gift-receipt-en', { published: true })).status).toBe(200);
    await eventually(() => b.gateway.knowledge.kb.get('gift-receipt-en')?.body.endsWith('no prices.'), 5000, 'b indexed the published article');
    expect(b.gateway.knowledge.kb.search('can I get a gift receipt')[0]?.article.id).toBe('gift-receipt-en');

    expect((await b.api('PATCH', '/kb/articles/gift-receipt-en', { published: false })).status).toBe(200);
    await eventually(() => !a.gateway.knowledge.kb.get('gift-receipt-en'), 5000, 'a dropped the unpublished article');
    expect(b.gateway.knowledge.kb.get('gift-receipt-en')).toBeUndefined();
    expect((await a.api('DELETE', '/kb/articles/gift-receipt-en')).status).toBe(204);
  });

  it('re-syncs from PostgreSQL after missing announcements (a Redis reconnect)', async () => {
    // Written behind both gateways' backs: no announcement at all.
    await a.gateway.db.kbArticle.create({ data: { id: 'silent-en', title: 'Silent', lang: 'en', body: 'Added directly.', questions: ['silent question'] } });
    expect(b.gateway.knowledge.kb.get('silent-en')).toBeUndefined();
    b.gateway.redis.sub.disconnect(true); // reconnects, re-subscribes, then re-syncs
    await eventually(() => b.gateway.knowledge.kb.get('silent-en'), 8000, 'b re-synced');
    // And announcements reach it again.
    expect((await a.api('PATCH', '/kb/articles/silent-en', { title: 'Loud' })).status).toBe(200);
    await eventually(() => b.gateway.knowledge.kb.get('silent-en')?.title === 'Loud', 5000, 'b got the announcement');
  });
});
