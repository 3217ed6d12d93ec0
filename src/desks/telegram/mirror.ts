/**
 * Mirroring a ticket's conversation into its topic, durably and within the group's flood limit.
 *
 * PostgreSQL says what is left to post: every message of the ticket (customer messages, bot
 * answers, agents' replies and notes made elsewhere) is pending until it is marked, with
 * DeskMessage rows `(desk 'telegram:mirrored', chatId '<chat>/<topic>', messageId …)`: one per
 * unit posted (`<message id>:p<n>`, `<message id>:f<n>`), and `<message id>` once all of its
 * units are. A forum topic's first post is the ticket card (`telegram:card` row, its message id).
 * Nothing waits in memory: `pump` reads the pending units when it posts, so a burst that arrived
 * while it waited for the group's slot goes out as one post (coalesced), and the marks are
 * written only after Telegram took the post.
 *
 * The guarantee: every message is mirrored at least once. If the process dies before a post is
 * accepted, the units stay unmarked and the next pump (the next message, or the desk's sweep on
 * any instance) posts them; a message is posted twice only if the process dies in the moment
 * between Telegram accepting the post and the marks committing.
 *
 * Units: a message's text line (cut at Telegram's 4096 characters into `:p<n>` parts), then each
 * file we keep (`:f<n>`), posted as the file itself. Consecutive text units coalesce into one
 * post; a file is a post of its own. A customer's edit (a MessageEdit row) is a unit too,
 * `<message id>:e<edit id>`: a note with the new and the old text, so edits take the same durable
 * path (marks, locks, the sweep) and a redelivered event posts nothing. Only edits recorded after
 * the topic's card are noted: the story a new topic gets already shows the texts as they are now.
 * Agents' edits of their replies and notes are noted the same way (made through the REST API or
 * the Slack desk), except those made in the topic itself (`markEditOwn`).
 */
import { storedFiles, type FileStore } from '../../core/files.js';
import type { Attachment } from '../../core/model.js';
import type { Db } from '../../db/prisma.js';
import { splitText } from '../../adapters/text.js';
import { sleep, TelegramDeskRateLimited, type PostPlace, type TelegramDeskApi } from './api.js';
import type { TicketLocks } from './lock.js';
import { editLine, mirrorLine, TEXT_LIMIT } from './texts.js';

/** The desk's name in DeskThread and DeskMessage (posts and agents' messages: they map to the ticket). */
export const DESK = 'telegram';
/** DeskMessage rows that mark conversation messages as mirrored into a topic. */
export const MIRRORED = 'telegram:mirrored';
/** The DeskMessage row naming a topic's card (chatId '<chat>/<topic>', messageId the card's). */
export const CARD = 'telegram:card';

/** A ticket's place in the agents' group. */
export interface TopicRef {
  ticketId: string;
  chatId: string;
  /** A forum topic's id, or `card:<message id>` in a plain group (posts reply to the card). */
  threadId: string;
}

/** Photos up to this size go as photos; bigger ones (and other files) as documents. */
const PHOTO_LIMIT = 10 * 1024 * 1024;
/** How long a pump waits for another instance's hold on the ticket before leaving the work to it. */
const LOCK_WAIT_MS = 15_000;
/** Posts one pump makes before it yields (the rest is picked up by the next pump or the sweep). */
const MAX_ROUNDS = 200;

type Unit = (
  | { kind: 'text'; text: string }
  | { kind: 'file'; attachment: Attachment; caption: string }
  | { kind: 'card'; text: string }
) & {
  key: string;
  /** The conversation message it belongs to, and whether it is that message's last unit. */
  messageId?: string;
  last?: boolean;
};

/** The marks' `chatId`: one topic (a ticket moved to another group is mirrored afresh there). */
export function topicKey(ref: Pick<TopicRef, 'chatId' | 'threadId'>): string {
  return `${ref.chatId}/${ref.threadId}`;
}

/** True for a forum topic; false for a plain group's card. */
export function isForumThread(threadId: string): boolean {
  return !threadId.startsWith('card:');
}

/** Where a ticket's posts go: into its topic, or in reply to its card. */
export function placeOf(ref: Pick<TopicRef, 'threadId'>): PostPlace {
  return isForumThread(ref.threadId) ? { threadId: Number(ref.threadId) } : { replyTo: Number(ref.threadId.slice('card:'.length)) };
}

export interface MirrorDeps {
  db: Db;
  api: TelegramDeskApi;
  locks: TicketLocks;
  files: FileStore;
  /** The ticket card as it should read now (null: the ticket is gone). */
  card: (ticketId: string) => Promise<string | null>;
  /** Told the card's text once it is posted (so an edit is made only when it changes). */
  cardPosted: (ticketId: string, text: string) => Promise<void>;
}

export class TopicMirror {
  private readonly stored;

  constructor(private readonly deps: MirrorDeps) {
    this.stored = storedFiles(deps.files);
  }

  /** The ticket's topic, once it has one (null while none, or while it is being created). */
  async topicOf(ticketId: string): Promise<TopicRef | null> {
    const row = await this.deps.db.deskThread.findUnique({ where: { desk_ticketId: { desk: DESK, ticketId } }, select: { chatId: true, threadId: true } });
    return row?.threadId ? { ticketId, chatId: row.chatId, threadId: row.threadId } : null;
  }

  /**
   * Posts the ticket's pending units into its topic, coalesced, until none is left. Waits for the
   * group's slot first, then takes the ticket's lock and reads what is pending at that moment.
   * Leaves the work to another instance that holds the lock (it looks again after each post).
   */
  async pump(ticketId: string, signal: AbortSignal): Promise<void> {
    for (let round = 0; round < MAX_ROUNDS && !signal.aborted; round++) {
      const before = await this.topicOf(ticketId);
      if (!before || !(await this.pending(before)).length) return;
      if (!(await this.deps.api.slot(before.chatId, signal))) return;
      const release = await this.deps.locks.acquire(ticketId, LOCK_WAIT_MS, signal);
      if (!release) return;
      let waitMs = 0;
      try {
        // Read again: everything that arrived while we waited goes in this post.
        const ref = await this.topicOf(ticketId);
        const units = ref ? await this.pending(ref) : [];
        if (!ref || !units.length) return;
        await this.post(ref, takeBatch(units));
      } catch (err) {
        if (!(err instanceof TelegramDeskRateLimited)) throw err;
        waitMs = err.retryAfterMs;
      } finally {
        await release();
      }
      if (waitMs) await sleep(waitMs, signal);
    }
  }

  /**
   * Marks messages as already in the topic (an agent's reply written there). Call it under the
   * ticket's lock, so no pump on another instance posts the message back in between.
   */
  async markOwn(ref: TopicRef, messageId: string): Promise<void> {
    const message = await this.deps.db.message.findUnique({ where: { id: messageId }, select: { text: true, attachments: true } });
    if (!message) return;
    const units = unitsOf({ id: messageId, authorKind: 'agent', authorName: null, text: message.text, attachments: message.attachments as unknown as Attachment[] }, null);
    const keys = [...units.map((u) => u.key), messageId];
    await this.deps.db.deskMessage.createMany({ data: keys.map((key) => ({ desk: MIRRORED, chatId: topicKey(ref), messageId: key, ticketId: ref.ticketId })), skipDuplicates: true });
  }

  /**
   * Marks an agent's edit as already in the topic (they edited their message there), so the pump
   * posts no note of it. Call it under the ticket's lock, as `markOwn`.
   */
  async markEditOwn(ref: TopicRef, messageId: string, editId: string): Promise<void> {
    await this.deps.db.deskMessage.createMany({ data: [{ desk: MIRRORED, chatId: topicKey(ref), messageId: `${messageId}:e${editId}`, ticketId: ref.ticketId }], skipDuplicates: true });
  }

  /** Records a post of ours (or an agent's message) as the ticket's: a reply to it belongs to the ticket. */
  async recordPost(ref: Pick<TopicRef, 'ticketId' | 'chatId'>, messageId: number): Promise<void> {
    await this.deps.db.deskMessage.createMany({ data: [{ desk: DESK, chatId: ref.chatId, messageId: String(messageId), ticketId: ref.ticketId }], skipDuplicates: true });
  }

  /**
   * The units not yet in the topic, in the conversation's order (a forum topic's card first); a
   * customer's edit comes before the first message recorded after it.
   */
  async pending(ref: TopicRef): Promise<Unit[]> {
    const { db } = this.deps;
    const [ticket, marks, card] = await Promise.all([
      db.ticket.findUnique({
        where: { id: ref.ticketId },
        select: {
          contact: { select: { name: true } },
          messages: { orderBy: { seq: 'asc' }, select: { id: true, authorKind: true, authorName: true, text: true, attachments: true, createdAt: true } },
        },
      }),
      db.deskMessage.findMany({ where: { desk: MIRRORED, chatId: topicKey(ref), ticketId: ref.ticketId }, select: { messageId: true } }),
      db.deskMessage.findFirst({ where: { desk: CARD, chatId: topicKey(ref) }, select: { createdAt: true } }),
    ]);
    // Only edits recorded after the card are noted (the card and the story after it show the texts as
    // they were then): none to read before it, and only those since.
    const edits = card && ticket
      ? await db.messageEdit.findMany({
          where: { message: { ticketId: ref.ticketId }, createdAt: { gt: card.createdAt } },
          orderBy: [{ editedAt: 'asc' }, { createdAt: 'asc' }],
          select: { id: true, messageId: true, previousText: true, createdAt: true },
        })
      : [];
    if (!ticket) return [];
    const done = new Set(marks.map((m) => m.messageId));
    const noted = card ? editUnits(ticket.messages, edits, card.createdAt, ticket.contact.name).filter((e) => !done.has(e.unit.key)) : [];
    const units: Unit[] = [];
    for (const m of ticket.messages) {
      while (noted[0] && noted[0].at < m.createdAt) units.push(noted.shift()!.unit);
      if (done.has(m.id)) continue;
      units.push(...unitsOf({ ...m, attachments: m.attachments as unknown as Attachment[] }, ticket.contact.name).filter((u) => !done.has(u.key)));
    }
    units.push(...noted.map((e) => e.unit));
    // A plain group's card is posted with its topic (./desk.ts openTopic); a forum topic's by the pump.
    if (card || !isForumThread(ref.threadId)) return units;
    const text = await this.deps.card(ref.ticketId);
    return text ? [{ kind: 'card', key: 'card', text }, ...units] : units;
  }

  /** One post (text or file), then its marks and its mapping, in one statement. */
  private async post(ref: TopicRef, batch: Unit[]): Promise<void> {
    const { api, db } = this.deps;
    const first = batch[0]!;
    let posted: number | null = null;
    if (first.kind === 'card') {
      const cardId = await api.send(ref.chatId, first.text, placeOf(ref));
      await db.deskMessage.createMany({
        data: [
          { desk: DESK, chatId: ref.chatId, messageId: String(cardId), ticketId: ref.ticketId },
          { desk: CARD, chatId: topicKey(ref), messageId: String(cardId), ticketId: ref.ticketId },
        ],
        skipDuplicates: true,
      });
      await this.deps.cardPosted(ref.ticketId, first.text);
      return;
    }
    if (first.kind === 'file') {
      const file = await this.stored.read(first.attachment);
      // A file that is gone from the store is only mentioned (the text line already says so).
      if (file) {
        const photo = first.attachment.kind === 'photo' && (first.attachment.size ?? file.data.length) <= PHOTO_LIMIT;
        posted = await api.sendFile(ref.chatId, { data: file.data, name: first.attachment.name ?? file.name ?? first.attachment.kind, photo }, first.caption, placeOf(ref));
      }
    } else {
      posted = await api.send(ref.chatId, batch.map((u) => (u.kind === 'text' ? u.text : '')).join('\n'), placeOf(ref));
    }
    // The post's mapping, its units' marks, and the completion mark of each message it finishes.
    const marks = [...batch.map((u) => u.key), ...batch.flatMap((u) => (u.last && u.messageId ? [u.messageId] : []))];
    await db.deskMessage.createMany({
      data: [
        ...(posted !== null ? [{ desk: DESK, chatId: ref.chatId, messageId: String(posted), ticketId: ref.ticketId }] : []),
        ...marks.map((key) => ({ desk: MIRRORED, chatId: topicKey(ref), messageId: key, ticketId: ref.ticketId })),
      ],
      skipDuplicates: true,
    });
  }
}

interface SourceMessage {
  id: string;
  authorKind: string;
  authorName: string | null;
  text: string;
  attachments: Attachment[];
}

/** A message's units: its text line (in parts when long), then each file we keep. */
function unitsOf(m: SourceMessage, customerName: string | null): Unit[] {
  const line = mirrorLine(m, customerName);
  const units: Unit[] = splitText(line, TEXT_LIMIT).map((text, i) => ({ kind: 'text', key: `${m.id}:p${i}`, messageId: m.id, text }));
  m.attachments.forEach((a, i) => {
    if (!a.url || a.error) return;
    units.push({ kind: 'file', key: `${m.id}:f${i}`, messageId: m.id, attachment: a, caption: `📎 ${mirrorLine({ ...m, text: a.name ?? a.kind, attachments: [] }, customerName)}` });
  });
  units[units.length - 1]!.last = true;
  return units;
}

/**
 * The note of each edit recorded after `since` (the topic's card), ordered by when it was
 * recorded. An edit's new text is the next edit's old one, or else the message's text now.
 * `edits` come in the order they were made; one walk from the last finds each one's new text.
 */
function editUnits(
  messages: Array<Pick<SourceMessage, 'id' | 'authorKind' | 'authorName' | 'text'>>,
  edits: Array<{ id: string; messageId: string; previousText: string; createdAt: Date }>,
  since: Date,
  customerName: string | null,
): Array<{ at: Date; unit: Unit }> {
  const byId = new Map(messages.map((m) => [m.id, m]));
  /** Per message, the text after the edit being looked at: the later edit's old text. */
  const after = new Map<string, string>();
  const out: Array<{ at: Date; unit: Unit }> = [];
  for (let i = edits.length - 1; i >= 0; i--) {
    const e = edits[i]!;
    const m = byId.get(e.messageId);
    const text = after.get(e.messageId) ?? m?.text;
    after.set(e.messageId, e.previousText);
    if (!m || text === undefined || e.createdAt <= since) continue;
    out.push({ at: e.createdAt, unit: { kind: 'text', key: `${m.id}:e${e.id}`, text: editLine({ authorName: m.authorName, authorKind: m.authorKind, text, previousText: e.previousText }, customerName) } });
  }
  return out.sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** The next post: the card or a file alone, or as many consecutive text units as fit in one message. */
function takeBatch(units: Unit[]): Unit[] {
  const first = units[0]!;
  if (first.kind !== 'text') return [first];
  const batch: Unit[] = [first];
  let length = first.text.length;
  for (const u of units.slice(1)) {
    if (u.kind !== 'text' || length + 1 + u.text.length > TEXT_LIMIT) break;
    batch.push(u);
    length += 1 + u.text.length;
  }
  return batch;
}
