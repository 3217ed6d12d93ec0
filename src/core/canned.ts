/**
 * Canned responses: the replies agents send often, declared under `canned` in the desk
 * configuration (read from `settings.current` each time, so a new configuration applies at once).
 * Each has a shortcut (`!hello` in a desk thread, or `POST /api/v1/tickets/:number/canned`), one
 * text or one per language (the customer's language picks), and placeholders filled from the
 * ticket: {{customer.name}}, {{agent.name}}, {{ticket.number}}. Sending one is an ordinary agent
 * reply (TicketService.reply), so first response, assignment and audit come out the same.
 */
import type { Db } from '../db/prisma.js';
import type { CannedResponse, Lang } from './deskConfig.js';
import type { DeskSettings } from './deskSettings.js';
import { NotFoundError, ValidationError } from './errors.js';
import { ticketLang } from './notify/lang.js';
import { fillPlaceholders } from './notify/placeholders.js';
import type { TicketService } from './tickets.js';

/** A canned response as the API lists it: the text in both languages. */
export interface CannedView {
  shortcut: string;
  title: string | null;
  text: Record<Lang, string>;
}

/** The text of a canned response in one language (a single text serves both). */
export function cannedText(canned: CannedResponse, lang: Lang): string {
  return typeof canned.text === 'string' ? canned.text : canned.text[lang];
}

/** A canned response's text in `lang` with its placeholders filled ("{{customer.name}}" …). */
export function renderCanned(canned: CannedResponse, lang: Lang, vars: { 'customer.name'?: string | null; 'agent.name'?: string | null; 'ticket.number'?: number | string }): string {
  return fillPlaceholders(cannedText(canned, lang), vars);
}

export class CannedResponses {
  constructor(
    private readonly db: Db,
    private readonly tickets: TicketService,
    private readonly settings: DeskSettings,
  ) {}

  /** Every canned response of the configuration in force, in its order. */
  list(): CannedView[] {
    return this.settings.current.canned.map((c) => ({
      shortcut: c.shortcut,
      title: c.title ?? null,
      text: { ru: cannedText(c, 'ru'), en: cannedText(c, 'en') },
    }));
  }

  /** The canned response for a shortcut (with or without the "!"; exact case first, then any case). */
  find(shortcut: string): CannedResponse | undefined {
    const key = shortcut.trim().replace(/^!/, '');
    const all = this.settings.current.canned;
    return all.find((c) => c.shortcut === key) ?? all.find((c) => c.shortcut.toLowerCase() === key.toLowerCase());
  }

  /** The text the customer of ticket `ticketNumber` would get, in their language; unknown shortcuts are refused naming `shortcut`. */
  async render(ticketNumber: number, shortcut: string, agent?: string): Promise<{ text: string; lang: Lang }> {
    const canned = this.find(shortcut);
    if (!canned) throw new ValidationError(unknownShortcut(shortcut, this.settings.current.canned), 'shortcut');
    const ticket = await this.db.ticket.findUnique({ where: { number: ticketNumber }, select: { id: true, contact: { select: { name: true } } } });
    if (!ticket) throw new NotFoundError(`ticket #${ticketNumber} not found`);
    const by = agent ? await this.tickets.findAgent(agent) : null;
    const lang = await ticketLang(this.db, ticket.id);
    return { text: renderCanned(canned, lang, { 'customer.name': ticket.contact.name, 'agent.name': by?.name ?? null, 'ticket.number': ticketNumber }), lang };
  }

  /** Sends the canned response to the customer as `agent`'s reply. */
  async send(ticketNumber: number, shortcut: string, agent?: string): Promise<{ messageId: string; text: string }> {
    const { text } = await this.render(ticketNumber, shortcut, agent);
    const { messageId } = await this.tickets.reply(ticketNumber, { text, ...(agent ? { agent } : {}) });
    return { messageId, text };
  }
}

function unknownShortcut(shortcut: string, all: readonly CannedResponse[]): string {
  const name = `!${shortcut.trim().replace(/^!/, '')}`;
  return all.length ? `unknown canned response "${name}" (known: ${all.map((c) => `!${c.shortcut}`).join(', ')})` : `unknown canned response "${name}": none are configured`;
}
