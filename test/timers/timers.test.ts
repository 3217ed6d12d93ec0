/**
 * Timers end to end, with real BullMQ, PostgreSQL and Redis and durations of seconds: SLA
 * warnings and breaches (with escalation), snooze wake-ups, "we are busy" (inside and outside
 * business hours), auto-resolve and CSAT, rescheduling on a priority change, and recovery: after
 * a Redis FLUSHALL and a restart, and when a timer fires late, each acts once.
 *
 * The customer writes on the API channel; what the desk tells them arrives at a signed webhook.
 * Timing is tolerant: the machine is shared, so everything is polled with generous timeouts.
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DomainEvents } from '../../src/core/events.js';
import { csatSurvey } from '../../src/core/notify/csat.js';
import { notificationText } from '../../src/core/notify/templates.js';
import { formatOpening } from '../../src/core/timers/notices.js';
import { timerJobId } from '../../src/core/timers/queue.js';
import { API_SECRET, eventually, startTestGateway, type TestGateway } from '../support/gateway.js';
import { dropDatabase } from '../support/db.js';
import { startPrivateRedis, type PrivateRedis } from '../support/redisServer.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver.js';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const allDay = `{ ${DAYS.map((d) => `${d}: ["00:00-24:00"]`).join(', ')} }`;
const utcDate = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

/** The desk: 24/7 SLA in seconds, two support lines, every timer on; `busyCalendar` picks the busy notice's calendar. */
function deskYaml(opts: { busyCalendar?: 'always' | 'closed'; firstResponse?: string } = {}): string {
  return `
calendars:
  always: { timeZone: UTC, hours: ${allDay} }
  # Closed today and tomorrow (UTC): the desk opens the day after, at midnight.
  closed: { timeZone: UTC, hours: ${allDay}, holidays: ["${utcDate(0)}", "${utcDate(1)}"] }
sla:
  - { priority: low, calendar: always, firstResponse: 40s, resolution: 1h }
  - { priority: normal, calendar: always, firstResponse: ${opts.firstResponse ?? '6s'}, resolution: 1h }
  - { priority: high, calendar: always, firstResponse: 1h, resolution: 2h }
  - { priority: urgent, calendar: always, firstResponse: 3s, resolution: 2h }
teams:
  - { name: support, line: 1, strategy: pool }
  - { name: experts, line: 2, strategy: pool }
timers:
  slaWarning: 0.5
  busyAfter: 3s
  autoResolveAfter: 3s
  csatAfter: 2s
  calendar: ${opts.busyCalendar ?? 'always'}
`;
}

async function deskFile(yaml: string): Promise<string> {
  const file = path.join(tmpdir(), `omnidesk-timers-${randomUUID()}.yaml`);
  await writeFile(file, yaml);
  return file;
}

let t: TestGateway;
let hook: WebhookReceiver;
const seen: { [K in 'sla.warning' | 'sla.breached' | 'ticket.woke']: Array<DomainEvents[K]> } = { 'sla.warning': [], 'sla.breached': [], 'ticket.woke': [] };

beforeAll(async () => {
  hook = await startWebhookReceiver(API_SECRET);
  t = await startTestGateway({ API_CHANNEL_WEBHOOK_URL: hook.url, BOT_ENABLED: 'false', DESK_CONFIG: await deskFile(deskYaml()) });
  for (const name of ['sla.warning', 'sla.breached', 'ticket.woke'] as const) t.gateway.events.on(name, (e) => void (seen[name] as unknown[]).push(e));
  await t.gateway.timers.rebuilt;
});

afterAll(async () => {
  await t?.stop();
  await hook?.close();
});

const WAIT = 30_000;

/** A new customer writes on the API channel; resolves with the ticket number and their chat id. */
async function newTicket(on: TestGateway = t, opts: { language?: string; text?: string } = {}): Promise<{ number: number; chatId: string }> {
  const chatId = `chat-${randomUUID()}`;
  const res = await on.inbound({ chatId, messageId: randomUUID(), from: { id: chatId, name: 'Customer', ...(opts.language ? { language: opts.language } : {}) }, text: opts.text ?? 'Where is my order?' });
  expect(res.status).toBe(202);
  return { number: ((await res.json()) as { ticketNumber: number }).ticketNumber, chatId };
}

const ticket = (number: number, on: TestGateway = t) => on.gateway.db.ticket.findUniqueOrThrow({ where: { number }, include: { team: true } });
const audits = (number: number, type: string, on: TestGateway = t) => on.gateway.db.ticketEvent.count({ where: { ticket: { number }, type } });
const toCustomer = (chatId: string) => hook.received.filter((r) => r.body.chatId === chatId);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function api<T>(method: string, url: string, body?: unknown): Promise<T> {
  const res = await t.api(method, url, body);
  expect(res.status, `${method} ${url}`).toBeLessThan(300);
  return (await res.json()) as T;
}

describe('SLA timers', () => {
  it('warns at the configured share, then breaches: overdue, priority up, next line and its team, once each', async () => {
    const { number } = await newTicket();
    const created = await ticket(number);
    expect(created.slaPolicy).toBe('normal');

    const warning = await eventually(() => seen['sla.warning'].find((e) => e.ticketNumber === number), WAIT, 'the SLA warning');
    expect(warning).toMatchObject({ target: 'firstResponse', dueAt: created.firstResponseDueAt, assigneeId: null });
    expect((await ticket(number)).slaWarnedAt).not.toBeNull();

    const breach = await eventually(() => seen['sla.breached'].find((e) => e.ticketNumber === number), WAIT, 'the SLA breach');
    expect(breach).toMatchObject({ target: 'firstResponse', dueAt: created.firstResponseDueAt, fromLine: 1, toLine: 2 });
    const after = await ticket(number);
    expect(after).toMatchObject({ overdue: true, priority: 'high', line: 2 });
    expect(after.team?.name).toBe('experts');
    expect(breach.teamId).toBe(after.teamId);
    // The breach's own priority raise keeps the deadline it missed: no cascade of breaches.
    expect(after.firstResponseDueAt).toEqual(created.firstResponseDueAt);
    const json = await api<Record<string, unknown>>('GET', `/tickets/${number}`);
    expect(json).toMatchObject({ overdue: true, slaPolicy: 'normal', team: 'experts', line: 2, pendingUntil: null, priority: 'high' });

    await sleep(2000);
    expect(await audits(number, 'sla.warning')).toBe(1);
    expect(await audits(number, 'sla.breached')).toBe(1);
    expect(seen['sla.breached'].filter((e) => e.ticketNumber === number)).toHaveLength(1);

    // Resolving clears overdue.
    await api('PATCH', `/tickets/${number}`, { status: 'resolved' });
    expect((await ticket(number)).overdue).toBe(false);
  }, 90_000);

  it('reschedules on a priority change: a later deadline drops the old timer, an earlier one breaches at once', async () => {
    const { number } = await newTicket();
    const created = await ticket(number);
    const queue = t.gateway.timers.producer.queue;
    const oldJob = timerJobId(created.id, { kind: 'breach.firstResponse', dueAt: created.firstResponseDueAt! });
    await eventually(async () => (await queue.getJob(oldJob)) !== undefined, WAIT, 'the first-response breach job');

    await api('PATCH', `/tickets/${number}`, { priority: 'low' });
    const low = await ticket(number);
    expect(low.firstResponseDueAt!.getTime() - low.openedAt.getTime()).toBe(40_000);
    const newJob = timerJobId(created.id, { kind: 'breach.firstResponse', dueAt: low.firstResponseDueAt! });
    await eventually(async () => (await queue.getJob(newJob)) !== undefined && (await queue.getJob(oldJob)) === undefined, WAIT, 'the breach job to move');
    // Past the old deadline: nothing breached.
    await eventually(() => Date.now() > created.firstResponseDueAt!.getTime() + 1500, WAIT);
    expect(await audits(number, 'sla.breached')).toBe(0);
    expect((await ticket(number)).overdue).toBe(false);

    // Urgent: 3 s from when the customer wrote, already past: it breaches at once.
    await api('PATCH', `/tickets/${number}`, { priority: 'urgent' });
    await eventually(async () => (await ticket(number)).overdue, WAIT, 'the breach after the priority change');
    expect(await ticket(number)).toMatchObject({ priority: 'urgent', line: 2, overdue: true });
    expect(await audits(number, 'sla.breached')).toBe(1);
  }, 90_000);
});

describe('snooze wake-up', () => {
  it('reopens a snoozed ticket when its time comes, and tells the desks', async () => {
    const { number } = await newTicket();
    const until = new Date(Date.now() + 2500);
    await api('PATCH', `/tickets/${number}`, { status: 'pending', pendingUntil: until.toISOString() });
    expect((await ticket(number)).status).toBe('pending');
    const woke = await eventually(() => seen['ticket.woke'].find((e) => e.ticketNumber === number), WAIT, 'the wake-up');
    expect(woke.pendingUntil).toEqual(until);
    const after = await ticket(number);
    expect(after).toMatchObject({ status: 'open', pendingUntil: null });
    expect(await audits(number, 'woke')).toBe(1);
    // The SLA clock stood still while it slept: the deadline moved later by about the snooze.
    const created = await t.gateway.db.ticketEvent.findFirstOrThrow({ where: { ticket: { number }, type: 'created' } });
    expect(after.firstResponseDueAt!.getTime()).toBeGreaterThan(created.createdAt.getTime() + 6000 + 1500);
  }, 60_000);
});

describe('customer notices', () => {
  it('tells the customer, once, that the request is queued when nobody answered in time; an answer in time cancels it', async () => {
    const waiting = await newTicket(t, { language: 'ru' });
    const answered = await newTicket(t, { language: 'ru' });
    await api('POST', `/tickets/${answered.number}/messages`, { text: 'Здравствуйте! Смотрю.' });

    const busy = notificationText(t.gateway.settings.current, 'busy', 'ru', { 'ticket.number': String(waiting.number) });
    const got = await eventually(() => toCustomer(waiting.chatId).find((r) => r.body.text === busy), WAIT, 'the busy notice');
    expect(got.signatureValid).toBe(true);
    expect((await ticket(waiting.number)).busyNotifiedAt).not.toBeNull();

    // More activity plans the ticket again, but it was told once.
    await t.inbound({ chatId: waiting.chatId, messageId: randomUUID(), from: { id: waiting.chatId }, text: 'Алло?' });
    await sleep(3500);
    expect(toCustomer(waiting.chatId).filter((r) => r.body.text === busy)).toHaveLength(1);
    expect(await audits(waiting.number, 'busy.notified')).toBe(1);
    expect(await audits(answered.number, 'busy.notified')).toBe(0);
    const busyAnswered = notificationText(t.gateway.settings.current, 'busy', 'ru', { 'ticket.number': String(answered.number) });
    expect(toCustomer(answered.chatId).map((r) => r.body.text)).not.toContain(busyAnswered);
  }, 60_000);

  it('auto-resolves a ticket the customer left unanswered, says how to reopen, then asks for a rating once', async () => {
    const { number, chatId } = await newTicket(t, { language: 'en' });
    await api('POST', `/tickets/${number}/messages`, { text: 'Your order ships today.' });
    const lingering = await newTicket(t, { language: 'en' });
    await api('POST', `/tickets/${lingering.number}/messages`, { text: 'Could you send the order number?' });
    await t.inbound({ chatId: lingering.chatId, messageId: randomUUID(), from: { id: lingering.chatId }, text: 'It is 12345' });

    const vars = { 'ticket.number': String(number) };
    const autoResolved = notificationText(t.gateway.settings.current, 'autoResolved', 'en', vars);
    await eventually(() => toCustomer(chatId).find((r) => r.body.text === autoResolved), WAIT, 'the auto-resolve text');
    const resolved = await ticket(number);
    expect(resolved.status).toBe('resolved');
    const event = await t.gateway.db.ticketEvent.findFirstOrThrow({ where: { ticket: { number }, type: 'status_changed' }, orderBy: { seq: 'desc' } });
    expect(event).toMatchObject({ actorKind: 'system', actorName: 'auto-resolve' });

    // CSAT csatAfter (2 s) after the resolution, with its five buttons, once.
    const survey = csatSurvey(t.gateway.settings.current, 'en', number);
    const asked = await eventually(() => toCustomer(chatId).find((r) => r.body.text === survey.text), WAIT, 'the CSAT survey');
    expect(asked.body.buttons).toEqual(survey.buttons);
    expect((await ticket(number)).csatRequestedAt).not.toBeNull();
    await api('PATCH', `/tickets/${number}`, { tags: ['followed-up'] });
    await sleep(3000);
    expect(toCustomer(chatId).filter((r) => r.body.text === survey.text)).toHaveLength(1);

    // The customer who answered is still open.
    expect((await ticket(lingering.number)).status).toBe('open');
  }, 60_000);

  it('auto-resolves a ticket pending on the customer, but leaves a snoozed one to its wake-up', async () => {
    const { number } = await newTicket();
    await api('PATCH', `/tickets/${number}`, { status: 'pending' });
    await eventually(async () => (await ticket(number)).status === 'resolved', WAIT, 'the pending ticket to resolve');
    const snoozed = await newTicket();
    await api('PATCH', `/tickets/${snoozed.number}`, { status: 'pending', pendingUntil: new Date(Date.now() + 3_600_000).toISOString() });
    await sleep(4500);
    expect((await ticket(snoozed.number)).status).toBe('pending');
  }, 60_000);

  it('outside business hours says when the desk opens, in the customer language', async () => {
    const res = await t.api('PUT', '/desk-config', { yaml: deskYaml({ busyCalendar: 'closed' }) });
    expect(res.status).toBe(201);
    await eventually(() => t.gateway.settings.current.timers.calendar === 'closed', WAIT, 'the new configuration');
    try {
      const { number, chatId } = await newTicket(t, { language: 'en' });
      const opens = new Date(`${utcDate(2)}T00:00:00Z`);
      const text = notificationText(t.gateway.settings.current, 'busyClosed', 'en', { 'ticket.number': String(number), opensAt: formatOpening(opens, 'UTC', 'en') });
      expect(text).toContain(formatOpening(opens, 'UTC', 'en'));
      await eventually(() => toCustomer(chatId).find((r) => r.body.text === text), WAIT, 'the closed-desk busy notice');
    } finally {
      expect((await t.api('PUT', '/desk-config', { yaml: deskYaml() })).status).toBe(201);
    }
  }, 60_000);
});

describe('planning', () => {
  /** A ticket whose timers are an hour off (priority high), once the 3 s busy notice has fired and been planned past. */
  async function quietTicket() {
    const opened = await newTicket();
    await api('PATCH', `/tickets/${opened.number}`, { priority: 'high' });
    const row = await eventually(async () => {
      const r = await ticket(opened.number);
      return r.busyNotifiedAt && r.firstResponseDueAt ? r : undefined;
    }, WAIT, 'the busy notice');
    const producer = t.gateway.timers.producer;
    const breach = timerJobId(row.id, { kind: 'breach.firstResponse', dueAt: row.firstResponseDueAt! });
    await eventually(async () => (await producer.queue.getJob(breach)) !== undefined, WAIT, 'the breach timer');
    // The busy job fired and left: its id is gone from the ticket's jobs once the worker planned again.
    await eventually(async () => !(await producer.queue.getJobs(['delayed', 'active', 'wait'])).some((j) => j.data.ticketId === row.id && j.data.kind === 'busy'), WAIT, 'the busy job to leave');
    await t.gateway.events.idle();
    await producer.schedule(row.id);
    return { ...opened, row, producer, breach };
  }

  it('writes to the queue only what changed: a follow-up that leaves the plan as it was adds nothing', async () => {
    const { number, chatId, row, producer, breach } = await quietTicket();
    const adds = vi.spyOn(producer.queue, 'addBulk');
    try {
      expect((await t.inbound({ chatId, messageId: randomUUID(), from: { id: chatId, name: 'Customer' }, text: 'Any news?' })).status).toBe(202);
      await t.gateway.events.idle();
      await producer.schedule(row.id);
      expect(adds).not.toHaveBeenCalled();
      expect(await producer.queue.getJob(breach)).toBeDefined();

      // A new deadline: its jobs are added, the old ones removed.
      await api('PATCH', `/tickets/${number}`, { priority: 'low' });
      await t.gateway.events.idle();
      await producer.schedule(row.id);
      const moved = await ticket(number);
      const added = adds.mock.calls.flatMap(([jobs]) => jobs.map((j) => j.opts?.jobId));
      expect(added).toContain(timerJobId(row.id, { kind: 'breach.firstResponse', dueAt: moved.firstResponseDueAt! }));
      expect(added).not.toContain(breach);
      expect(await producer.queue.getJob(breach)).toBeUndefined();
    } finally {
      adds.mockRestore();
    }
  });

  it('a job that left the queue unfired comes back: once BullMQ gives it up (forget), and at the rebuild', async () => {
    const { row, producer, breach } = await quietTicket();
    // As when its last attempt failed: BullMQ removes the job (removeOnFail), the worker forgets it.
    await producer.queue.remove(breach);
    await producer.forget(row.id, breach);
    await producer.schedule(row.id);
    expect(await producer.queue.getJob(breach)).toBeDefined();

    // Lost without a word (Redis lost the job, not the index): the rebuild checks every planned job.
    await producer.queue.remove(breach);
    await producer.schedule(row.id);
    expect(await producer.queue.getJob(breach)).toBeUndefined();
    await producer.rebuild();
    expect(await producer.queue.getJob(breach)).toBeDefined();
  });
});

describe('recovery', () => {
  let redis: PrivateRedis;
  let desk: string;
  beforeAll(async () => {
    redis = await startPrivateRedis();
    // Longer targets: the restart has to happen before the warning is due.
    desk = await deskFile(deskYaml({ firstResponse: '24s' }));
  });
  afterAll(async () => {
    await redis?.stop();
  });

  const start = (shared?: TestGateway) =>
    startTestGateway(
      { API_CHANNEL_WEBHOOK_URL: hook.url, BOT_ENABLED: 'false', DESK_CONFIG: desk },
      { redisUrl: redis.url, ...(shared ? { databaseUrl: shared.databaseUrl, redisPrefix: shared.redisPrefix } : { redisPrefix: `timers-${randomUUID()}` }) },
    );

  it('after FLUSHALL and a restart every warning, breach and wake-up still fires, once each', async () => {
    const first = await start();
    let firstStopped = false;
    let second: TestGateway | undefined;
    try {
      const sla = await newTicket(first);
      const snoozed = await newTicket(first);
      expect((await first.api('PATCH', `/tickets/${snoozed.number}`, { status: 'pending', pendingUntil: new Date(Date.now() + 10_000).toISOString() })).status).toBe(200);
      const id = (await ticket(sla.number, first)).id;
      const queue = first.gateway.timers.producer.queue;
      await eventually(async () => ((await queue.getJobCounts('delayed')).delayed ?? 0) >= 3, WAIT, 'the timers to be queued');
      await first.gateway.stop();
      firstStopped = true;
      await redis.flushAll();

      second = await start(first);
      await second.gateway.timers.rebuilt;
      const due = await ticket(sla.number, second);
      expect(await second.gateway.timers.producer.queue.getJob(timerJobId(id, { kind: 'breach.firstResponse', dueAt: due.firstResponseDueAt! }))).toBeDefined();

      await eventually(async () => (await audits(snoozed.number, 'woke', second)) === 1, WAIT, 'the wake-up after FLUSHALL');
      await eventually(async () => (await audits(sla.number, 'sla.warning', second)) === 1, WAIT, 'the warning after FLUSHALL');
      await eventually(async () => (await audits(sla.number, 'sla.breached', second)) === 1, WAIT, 'the breach after FLUSHALL');
      await sleep(2000);
      expect(await audits(snoozed.number, 'woke', second)).toBe(1);
      expect(await audits(sla.number, 'sla.warning', second)).toBe(1);
      expect(await audits(sla.number, 'sla.breached', second)).toBe(1);
      expect(await ticket(sla.number, second)).toMatchObject({ overdue: true, priority: 'high', line: 2 });
    } finally {
      await second?.stop();
      if (!firstStopped) await first.gateway.stop();
      await dropDatabase(first.databaseUrl);
    }
  }, 120_000);

  it('a timer firing late, or several times at once, acts once', async () => {
    const first = await start();
    let firstStopped = false;
    let second: TestGateway | undefined;
    try {
      const { number } = await newTicket(first);
      const created = await ticket(number, first);
      const dueAt = created.firstResponseDueAt!.getTime();
      const queue = first.gateway.timers.producer.queue;
      await eventually(async () => (await queue.getJob(timerJobId(created.id, { kind: 'breach.firstResponse', dueAt: new Date(dueAt) }))) !== undefined, WAIT, 'the breach job');
      // Two stray copies of the same timer (as a second instance's stale plan might leave): they fire together.
      for (const copy of ['copy-a', 'copy-b']) await queue.add('breach.firstResponse', { ticketId: created.id, kind: 'breach.firstResponse', dueAt }, { jobId: `${copy}-${created.id}`, delay: dueAt - Date.now() });
      await first.gateway.stop();
      firstStopped = true;

      // Down through the warning and the deadline.
      await eventually(() => Date.now() > dueAt + 1000, 60_000);
      second = await start(first);
      await eventually(async () => (await audits(number, 'sla.breached', second)) === 1, WAIT, 'the late breach');
      await sleep(2000);
      expect(await audits(number, 'sla.breached', second)).toBe(1);
      // Late: the warning's moment passed with the deadline, and the breach says it all.
      expect(await audits(number, 'sla.warning', second)).toBe(0);
      // Fired again by hand, it does nothing: its mark says it acted.
      expect(await second.gateway.timers.actions.fire('breach.firstResponse', created.id, dueAt)).toEqual({ kind: 'stale' });
      expect(await ticket(number, second)).toMatchObject({ priority: 'high', line: 2 });
    } finally {
      await second?.stop();
      if (!firstStopped) await first.gateway.stop();
      await dropDatabase(first.databaseUrl);
    }
  }, 120_000);
});
