/** When the SLA clock stands still (pure): pending periods, and the bot's time when the bot takes tickets. */
import { describe, expect, it } from 'vitest';
import { loadDeskConfig } from '../../src/core/deskConfig.js';
import { pausesOf, unmetDueTimes } from '../../src/core/sla/pauses.js';
import { SlaClock } from '../../src/core/sla/policy.js';

const T0 = new Date('2026-03-02T07:00:00Z'); // Monday 10:00 in Moscow
const min = (n: number) => new Date(T0.getTime() + n * 60_000);
const status = (at: number, from: string, to: string) => ({ type: 'status_changed', data: { from, to }, createdAt: min(at) });
const reopened = (at: number) => ({ type: 'reopened', data: { from: 'resolved', to: 'open' }, createdAt: min(at) });
const handoff = (at: number) => ({ type: 'bot.handoff', data: { reason: 'asked_for_human' }, createdAt: min(at) });
const botActive = (at: number, to: boolean) => ({ type: 'botActive_changed', data: { from: !to, to }, createdAt: min(at) });
const customer = { openedAt: T0, origin: 'customer' as const };

describe('pausesOf', () => {
  it('leaves the bot out when the bot does not take tickets: only pending periods count', () => {
    const events = [status(10, 'new', 'pending'), status(30, 'pending', 'open'), handoff(40)];
    expect(pausesOf(events, customer, { bot: false })).toEqual([{ from: min(10), to: min(30) }]);
  });

  it('counts the bot from the customer\'s first message to the handoff', () => {
    expect(pausesOf([handoff(25)], customer, { bot: true })).toEqual([{ from: T0, to: min(25) }]);
    // An agent taking the ticket (botActive false) ends it the same way.
    expect(pausesOf([botActive(12, false)], customer, { bot: true })).toEqual([{ from: T0, to: min(12) }]);
  });

  it('joins a pending period and the bot\'s time that touch into one pause', () => {
    const events = [status(5, 'new', 'pending'), status(20, 'pending', 'open'), handoff(30), status(50, 'open', 'pending'), status(70, 'pending', 'open')];
    expect(pausesOf(events, customer, { bot: true })).toEqual([{ from: T0, to: min(30) }, { from: min(50), to: min(70) }]);
  });

  it('counts the bot again when a resolved ticket reopens with the bot, but not the time it was resolved', () => {
    const events = [handoff(10), status(60, 'open', 'resolved'), botActive(60, true), reopened(120), handoff(125)];
    expect(pausesOf(events, customer, { bot: true })).toEqual([{ from: T0, to: min(10) }, { from: min(120), to: min(125) }]);
  });

  it('closes a running pause only at `until`, the moment the clock restarts', () => {
    expect(pausesOf([], customer, { bot: true })).toEqual([]);
    expect(pausesOf([], customer, { bot: true, until: min(8) })).toEqual([{ from: T0, to: min(8) }]);
    expect(pausesOf([status(3, 'new', 'pending')], customer, { bot: false, until: min(9) })).toEqual([{ from: min(3), to: min(9) }]);
  });

  it('gives an agent\'s outreach ticket no bot time: people started it', () => {
    expect(pausesOf([], { openedAt: T0, origin: 'agent' }, { bot: true, until: min(8) })).toEqual([]);
  });
});

const sla = SlaClock.fromConfig(await loadDeskConfig('config/desk.yaml'));

describe('unmetDueTimes', () => {
  const ticket = { priority: 'normal' as const, category: null, openedAt: T0, firstRespondedAt: null, resolvedAt: null };

  it('has no due times while the bot holds the ticket, and names the policy that will apply', () => {
    expect(unmetDueTimes(sla, ticket, [], true)).toEqual({ firstResponseDueAt: null, resolutionDueAt: null, slaPolicy: 'normal' });
  });

  it('counts from the handoff once people have it, and keeps a met target as it is', () => {
    const withBot = [{ from: T0, to: min(90) }];
    const plain = sla.dueTimes(ticket);
    const due = unmetDueTimes(sla, ticket, withBot, false);
    expect(due.firstResponseDueAt!.getTime() - plain.firstResponseDueAt!.getTime()).toBe(90 * 60_000);
    expect(unmetDueTimes(sla, { ...ticket, firstRespondedAt: min(100) }, withBot, false)).not.toHaveProperty('firstResponseDueAt');
    expect(unmetDueTimes(sla, { ...ticket, firstRespondedAt: min(100), resolvedAt: min(200) }, withBot, false)).toEqual({});
  });
});
