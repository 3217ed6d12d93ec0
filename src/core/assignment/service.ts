/**
 * The desk's dispatcher: routing and assignment as listeners on the core's events.
 *
 * - `ticket.created`: route (category, team, priority); then, when the bot would not take the
 *   ticket (the same predicate as the desks' `botHandles`), assign it by its team's strategy.
 * - `ticket.handoff` (the bot gave the ticket to people), or a ticket moved to another team
 *   (escalation, an agent, automation): assign it.
 * - Capacity frees (a ticket resolved, closed or taken from its assignee), an agent comes
 *   online, the configuration changes, and once a minute as a safety net: queued tickets flow.
 *
 * Work on one ticket runs in order on an instance (routing before assignment); across
 * instances, the database's locks keep assignment correct.
 */
import type { Logger } from '../../logger.js';
import type { EventBus } from '../events.js';
import { TicketRouter } from '../routing/router.js';
import { Assigner, type AssignmentDeps } from './assigner.js';
import { pullNext, type PullResult } from './pull.js';
import { reassignIfSilent, SILENCE_ACTOR, type ReassignResult } from './silence.js';
import { PerKeySerial } from '../../serial.js';

/** How often queued tickets are offered to agents even without an event (an absence that ended, a lost event). */
const FLOW_SWEEP_MS = 60_000;

export interface AssignmentServiceDeps extends AssignmentDeps {
  events: EventBus;
  log: Logger;
}

export class AssignmentService {
  readonly assigner: Assigner;
  readonly router: TicketRouter;
  /** Assignment work of one ticket runs in the order of its events. */
  private readonly perTicket = new PerKeySerial();
  private flowing: Promise<unknown> = Promise.resolve();
  private detach: Array<() => void> = [];
  private sweep: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: AssignmentServiceDeps,
    private readonly options: { sweepMs?: number } = {},
  ) {
    this.assigner = new Assigner(deps);
    this.router = new TicketRouter(deps.db, deps.tickets, deps.settings, deps.botHandles);
  }

  /** Hands the agent (handle or email) the next ticket of their queue (see pull.ts). */
  next(agentRef: string): Promise<PullResult> {
    return pullNext(this.deps, agentRef);
  }

  /** Takes the ticket from a silent assignee when their team's `reassignAfter` has passed (see silence.ts). */
  reassignIfSilent(ticketId: string, now = new Date()): Promise<ReassignResult> {
    return reassignIfSilent({ ...this.deps, assigner: this.assigner }, ticketId, now);
  }

  /** Offers queued tickets of these teams (default: all) to agents with free capacity; one flow at a time per instance. */
  flow(teamIds?: readonly string[]): Promise<number> {
    const run = this.flowing.then(() => this.assigner.flow(teamIds));
    this.flowing = run.catch((err: unknown) => this.deps.log.error({ err }, 'assignment: flowing queued tickets failed'));
    return run;
  }

  /** A flow nobody waits for: its failure is logged (flow() already did). */
  private flowInBackground(): void {
    this.flow().catch(() => undefined);
  }

  /** Offers queued tickets of the agent's teams (they may have room now). */
  async flowTo(agentId: string): Promise<number> {
    return this.flow(await this.assigner.teamsOf(agentId));
  }

  start(): void {
    const { events, settings, botHandles } = this.deps;
    this.detach = [
      events.on('ticket.created', (e) =>
        this.perTicket.run(e.ticketId, async () => {
          // An agent's own ticket (src/core/outreach.ts) is already theirs, with the category,
          // priority and team they gave: nothing to route or assign, and automation's
          // ticket.created rules (intake: auto-acks, triage) are not for it, so no ticket.routed.
          if (e.origin === 'agent') return;
          // A ticket that could not be routed still reaches people (in no team: the general queue).
          await this.router.route(e.ticketId).catch((err: unknown) => this.deps.log.error({ err, ticket: e.ticketNumber }, 'routing failed: the ticket keeps its category, team and priority'));
          // Automation's ticket.created rules run on this, so they see the routed ticket.
          events.publish('ticket.routed', { ticketId: e.ticketId, ticketNumber: e.ticketNumber, conversationId: e.conversationId, channel: e.channel });
          if (!botHandles()) await this.assigner.assign(e.ticketId);
        }),
      ),
      events.on('ticket.handoff', (e) => this.perTicket.run(e.ticketId, async () => void (await this.assigner.assign(e.ticketId)))),
      events.on('ticket.updated', async (e) => {
        const { changes } = e;
        if (changes.teamId?.to) await this.perTicket.run(e.ticketId, async () => void (await this.assigner.assign(e.ticketId)));
        // The silent assignee's freed room is not offered back to them at once.
        const from = changes.assigneeId?.from;
        if (typeof from === 'string' && e.actor.name !== SILENCE_ACTOR.name) await this.flowTo(from);
        const to = changes.status?.to;
        if (to === 'resolved' || to === 'closed') {
          const t = await this.deps.db.ticket.findUnique({ where: { id: e.ticketId }, select: { assigneeId: true } });
          if (t?.assigneeId) await this.flowTo(t.assigneeId);
        }
      }),
      settings.onChange(() => this.flowInBackground()),
    ];
    const every = this.options.sweepMs ?? FLOW_SWEEP_MS;
    this.sweep = setInterval(() => this.flowInBackground(), every);
    this.sweep.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.sweep);
    for (const off of this.detach) off();
    this.detach = [];
    await Promise.allSettled([this.perTicket.idle(), this.flowing]);
  }

}
