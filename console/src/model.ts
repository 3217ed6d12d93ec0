/** The REST API's shapes the console reads (see src/http/views.ts). */
export const STATUSES = ['new', 'open', 'pending', 'resolved', 'closed'] as const;
export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export const CHANNELS = ['widget', 'api', 'telegram', 'vk', 'whatsapp', 'slack'] as const;
/**
 * The orders GET /tickets and saved views take (TICKET_SORTS of src/core/ticketQueries.ts), in the
 * order the inbox offers them: each key's more useful direction first.
 */
export const SORTS = ['-priority', 'priority', 'deadline', '-deadline', 'age', '-age', '-createdAt', 'createdAt', '-updatedAt', 'updatedAt', '-number', 'number'] as const;

export interface TicketRow {
  number: number;
  status: (typeof STATUSES)[number];
  /** customer: they wrote; agent: an agent wrote to them first (POST /tickets). */
  origin?: 'customer' | 'agent';
  priority: (typeof PRIORITIES)[number];
  channel: string;
  subject: string | null;
  contact: { id?: string; name: string | null; email: string | null; phone: string | null } | null;
  category: string | null;
  tags: string[];
  assignee: { handle: string; name: string } | null;
  team: string | null;
  pendingUntil: string | null;
  /** The knowledge-base bot has the ticket (people's SLA clock has not started). */
  botActive: boolean;
  openedAt: string;
  updatedAt: string;
  firstResponseDueAt: string | null;
  firstRespondedAt: string | null;
  resolutionDueAt: string | null;
  overdue: boolean;
  csat: { score: number; comment: string | null } | null;
}

export interface Attachment {
  kind: string;
  name?: string;
  mimeType?: string;
  size?: number;
  url?: string;
  error?: string;
}

export interface MessageView {
  id: string;
  direction: 'inbound' | 'outbound';
  internal: boolean;
  /** `handle`: the agent who wrote a reply or note, else null. */
  author: { kind: 'customer' | 'agent' | 'bot' | 'system' | 'note'; name: string | null; handle: string | null };
  text: string;
  attachments: Attachment[] | null;
  createdAt: string;
  editedAt: string | null;
  /** An agent's reply written in the customer's own chat (a shared Slack channel): it is edited there. */
  writtenOnPlatform: boolean;
  delivery: { state: string; error: string | null } | null;
}

export interface TicketDetail extends TicketRow {
  messages: MessageView[];
  events: Array<{ type: string; actor: { kind: string; name: string | null }; data: unknown; at: string }>;
  /** Names of the agents and teams that events name by id. */
  names: Record<string, string>;
}

export interface SavedView {
  id: string;
  name: string;
  filters: { status?: string[]; priority?: string[]; channel?: string[]; assignee?: string; team?: string; tags?: string[]; overdue?: boolean; category?: string; origin?: string; q?: string };
  sort: string;
}

export interface AgentView {
  handle: string;
  name: string;
}

/** A contact with its channel identities and tickets (GET /contacts/:id). */
export interface ContactDetail {
  id: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  identities: Array<{ channel: string; externalId: string; username: string | null }>;
  /** Where an agent can write to them first, most recently active first. */
  conversations: Array<{ id: string; channel: string; lastMessageAt: string }>;
  tickets: Array<{ number: number; status: (typeof STATUSES)[number]; origin?: 'customer' | 'agent'; channel: string; subject: string | null; createdAt: string }>;
}
