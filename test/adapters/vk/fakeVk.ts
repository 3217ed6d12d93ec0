/**
 * A stand-in for VK on 127.0.0.1 (no VK emulator exists on npm): the API (`POST /method/:name`,
 * form-encoded, `{response}` or `{error}` as VK answers), the upload servers, a Bots Long Poll
 * server, and a file server for what customers send. It keeps a conversation's message numbers
 * (conversation_message_id) like VK, and honours `random_id` like VK: a second send with the same
 * one to the same peer is not delivered again, and is answered with the first one's ids.
 *
 * A test plays the customer with `message()`, `edit()` and `buttonPress()` (they return the event
 * VK would post or poll), and breaks things with `failNext()` and `setDown()`.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const FAKE_GROUP_ID = 7001;
export const FAKE_TOKEN = 'vk-test-community-token';

export interface SentMessage {
  peerId: number;
  randomId: number;
  text: string;
  keyboard?: { inline?: boolean; buttons: Array<Array<{ action: { type: string; label?: string; payload?: string } }>> };
  attachment?: string;
  lat?: number;
  long?: number;
  messageId: number;
  cmid: number;
  at: number;
}

export interface ApiCall {
  method: string;
  params: Record<string, string>;
  at: number;
  /** What the fake did: answered, returned a VK error, did the work but lost the answer, or refused the connection. */
  outcome: 'ok' | 'error' | 'dropped' | 'reset' | 'down';
  errorCode?: number;
}

/** `number`: answer with that VK error; `peer:<code>`: messages.send's per-peer error; `drop`: do it but lose the answer; `reset`: refuse. */
export type Fault = number | `peer:${number}` | 'drop' | 'reset';

export interface VkUpdateEnvelope {
  type: string;
  object: Record<string, unknown>;
  group_id: number;
  event_id: string;
  v: string;
  secret?: string;
}

interface Upload {
  kind: 'photo' | 'doc';
  filename: string;
  bytes: number;
  contentType?: string;
}

export class FakeVk {
  readonly groupId = FAKE_GROUP_ID;
  readonly token = FAKE_TOKEN;
  readonly calls: ApiCall[] = [];
  readonly sent: SentMessage[] = [];
  /** messages.edit calls that edited a message (VK keeps the message, with the new text). */
  readonly edits: Array<{ peerId: number; cmid?: number; messageId?: number; text: string }> = [];
  readonly uploads: Upload[] = [];
  readonly users = new Map<number, { first_name: string; last_name: string; screen_name?: string }>();
  private readonly faults = new Map<string, Fault[]>();
  private readonly cmids = new Map<number, number>();
  private readonly byRandomId = new Map<string, SentMessage>();
  private readonly files = new Map<string, { data: Buffer; type: string }>();
  private readonly lp: { events: Array<{ seq: number; update: VkUpdateEnvelope }>; next: number; key: string; waiters: Array<() => void> } = {
    events: [],
    next: 1,
    key: 'lp-key-1',
    waiters: [],
  };
  private down = false;
  private messageIds = 100;
  private objectIds = 500;
  private readonly server = http.createServer((req, res) => void this.route(req, res));
  url = '';

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** VK_API_BASE_URL. */
  get baseUrl(): string {
    return `${this.url}/method`;
  }

  async close(): Promise<void> {
    for (const wake of this.lp.waiters.splice(0)) wake();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next calls of `method` meet these faults, in order. */
  failNext(method: string, ...faults: Fault[]): void {
    this.faults.set(method, [...(this.faults.get(method) ?? []), ...faults]);
  }

  /** While down, every connection is cut at once, as if VK were unreachable. */
  setDown(down: boolean): void {
    this.down = down;
  }

  addUser(id: number, firstName: string, lastName: string, screenName?: string): void {
    this.users.set(id, { first_name: firstName, last_name: lastName, ...(screenName ? { screen_name: screenName } : {}) });
  }

  /** Serves a file customers "sent"; returns its URL. */
  addFile(name: string, data: Buffer, type: string): string {
    this.files.set(name, { data, type });
    return `${this.url}/files/${name}`;
  }

  sentTo(peerId: number): SentMessage[] {
    return this.sent.filter((m) => m.peerId === peerId);
  }

  callsOf(method: string): ApiCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  // --- the customer's side: events as VK sends them

  /** A customer's new message in `peerId` (the customer's own id for a private dialog). */
  message(
    peerId: number,
    text: string,
    opts: { fromId?: number; payload?: unknown; attachments?: unknown[]; replyTo?: { cmid: number }; geo?: { latitude: number; longitude: number }; langId?: number } = {},
  ): VkUpdateEnvelope {
    const cmid = this.nextCmid(peerId);
    const message: Record<string, unknown> = {
      date: Math.floor(Date.now() / 1000),
      from_id: opts.fromId ?? peerId,
      id: peerId > 2e9 ? 0 : ++this.messageIds,
      out: 0,
      peer_id: peerId,
      text,
      conversation_message_id: cmid,
      fwd_messages: [],
      important: false,
      random_id: 0,
      attachments: opts.attachments ?? [],
      is_hidden: false,
    };
    if (opts.payload !== undefined) message.payload = typeof opts.payload === 'string' ? opts.payload : JSON.stringify(opts.payload);
    if (opts.replyTo) message.reply_message = { conversation_message_id: opts.replyTo.cmid, peer_id: peerId, from_id: -this.groupId, text: '', date: 0 };
    if (opts.geo) message.geo = { type: 'point', coordinates: opts.geo, place: { title: 'Moscow', country: 1, city: 'Moscow' } };
    const client_info = { button_actions: ['text', 'vkpay', 'open_app', 'location', 'open_link', 'callback'], keyboard: true, inline_keyboard: true, carousel: true, lang_id: opts.langId ?? 0 };
    return this.envelope('message_new', { message, client_info });
  }

  /** The customer edits an earlier message (the object is the message itself, as VK sends edits). */
  edit(original: VkUpdateEnvelope, text: string): VkUpdateEnvelope {
    const message = (original.object as { message: Record<string, unknown> }).message;
    return this.envelope('message_edit', { ...message, text, update_time: Math.floor(Date.now() / 1000) + 1 });
  }

  /** A press of a callback button. */
  buttonPress(peerId: number, payload: unknown, opts: { userId?: number; cmid?: number } = {}): VkUpdateEnvelope {
    return this.envelope('message_event', {
      user_id: opts.userId ?? peerId,
      peer_id: peerId,
      event_id: randomBytes(6).toString('hex'),
      payload,
      conversation_message_id: opts.cmid ?? 1,
    });
  }

  /** Queues an event for Bots Long Poll. */
  pushLongPoll(update: VkUpdateEnvelope): void {
    this.lp.events.push({ seq: this.lp.next++, update });
    for (const wake of this.lp.waiters.splice(0)) wake();
  }

  /** Every key after this one is new: clients get `failed: 2` and must fetch another. */
  expireLongPollKey(): void {
    this.lp.key = `lp-key-${randomBytes(3).toString('hex')}`;
  }

  nextCmid(peerId: number): number {
    const n = (this.cmids.get(peerId) ?? 0) + 1;
    this.cmids.set(peerId, n);
    return n;
  }

  private envelope(type: string, object: Record<string, unknown>): VkUpdateEnvelope {
    return { type, object, group_id: this.groupId, event_id: randomBytes(20).toString('hex'), v: '5.199' };
  }

  // --- HTTP

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', this.url);
    if (this.down) {
      if (url.pathname.startsWith('/method/')) this.calls.push({ method: url.pathname.slice(8), params: {}, at: Date.now(), outcome: 'down' });
      req.socket.destroy();
      return;
    }
    if (req.method === 'POST' && url.pathname.startsWith('/method/')) return this.method(url.pathname.slice(8), body, req, res);
    if (req.method === 'POST' && url.pathname.startsWith('/upload/')) return this.upload(url.pathname.slice(8) === 'photo' ? 'photo' : 'doc', body, req, res);
    if (req.method === 'GET' && url.pathname === '/lp') return this.longPoll(url, res);
    if (req.method === 'GET' && url.pathname.startsWith('/files/')) {
      const file = this.files.get(decodeURIComponent(url.pathname.slice(7)));
      if (!file) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': file.type, 'content-length': file.data.length }).end(file.data);
      return;
    }
    res.writeHead(404).end();
  }

  private method(method: string, body: Buffer, req: http.IncomingMessage, res: http.ServerResponse): void {
    const params = Object.fromEntries(new URLSearchParams(body.toString('utf8')));
    const call: ApiCall = { method, params, at: Date.now(), outcome: 'ok' };
    this.calls.push(call);
    const fault = this.faults.get(method)?.shift();
    if (fault === 'reset') {
      call.outcome = 'reset';
      req.socket.destroy();
      return;
    }
    if (typeof fault === 'number') {
      call.outcome = 'error';
      call.errorCode = fault;
      return json(res, { error: { error_code: fault, error_msg: `fake error ${fault}`, request_params: [{ key: 'method', value: method }] } });
    }
    if (params.access_token !== this.token) {
      call.outcome = 'error';
      call.errorCode = 5;
      return json(res, { error: { error_code: 5, error_msg: 'User authorization failed: invalid access_token', request_params: [] } });
    }
    let response: unknown;
    try {
      response = this.answer(method, params, typeof fault === 'string' && fault.startsWith('peer:') ? Number(fault.slice(5)) : undefined);
    } catch (err) {
      call.outcome = 'error';
      call.errorCode = 100;
      return json(res, { error: { error_code: 100, error_msg: (err as Error).message, request_params: [] } });
    }
    if (fault === 'drop') {
      call.outcome = 'dropped';
      req.socket.destroy();
      return;
    }
    json(res, { response });
  }

  private answer(method: string, params: Record<string, string>, peerError: number | undefined): unknown {
    switch (method) {
      case 'messages.send': {
        const peerId = Number(params.peer_ids ?? params.peer_id);
        if (!Number.isSafeInteger(peerId)) throw new Error('One of the parameters specified was missing or invalid: peer_id');
        if (peerError !== undefined) return [{ peer_id: peerId, error: { code: peerError, description: `fake peer error ${peerError}` } }];
        const randomId = Number(params.random_id ?? 0);
        const key = `${peerId}:${randomId}`;
        let sent = randomId ? this.byRandomId.get(key) : undefined;
        if (!sent) {
          sent = {
            peerId,
            randomId,
            text: params.message ?? '',
            ...(params.keyboard ? { keyboard: JSON.parse(params.keyboard) as SentMessage['keyboard'] } : {}),
            ...(params.attachment ? { attachment: params.attachment } : {}),
            ...(params.lat ? { lat: Number(params.lat), long: Number(params.long) } : {}),
            messageId: ++this.messageIds,
            cmid: this.nextCmid(peerId),
            at: Date.now(),
          };
          this.sent.push(sent);
          if (randomId) this.byRandomId.set(key, sent);
        }
        return params.peer_ids !== undefined ? [{ peer_id: peerId, message_id: sent.messageId, conversation_message_id: sent.cmid }] : sent.messageId;
      }
      case 'messages.edit': {
        const peerId = Number(params.peer_id);
        const cmid = params.conversation_message_id ? Number(params.conversation_message_id) : undefined;
        const messageId = params.message_id ? Number(params.message_id) : undefined;
        const target = this.sent.find((m) => m.peerId === peerId && (cmid !== undefined ? m.cmid === cmid : m.messageId === messageId));
        if (!target) throw new Error('message not found');
        target.text = params.message ?? '';
        this.edits.push({ peerId, ...(cmid !== undefined ? { cmid } : {}), ...(messageId !== undefined ? { messageId } : {}), text: target.text });
        return 1;
      }
      case 'users.get':
        return (params.user_ids ?? '')
          .split(',')
          .map(Number)
          .filter((id) => this.users.has(id))
          .map((id) => ({ id, ...this.users.get(id), can_access_closed: true, is_closed: false }));
      case 'groups.getById':
        return { groups: [{ id: this.groupId, name: 'Fake Shop', screen_name: 'fakeshop', type: 'group' }], profiles: [] };
      case 'groups.getLongPollServer':
        return { server: `${this.url}/lp`, key: this.lp.key, ts: String(this.lp.next) };
      case 'messages.sendMessageEventAnswer':
        return 1;
      case 'photos.getMessagesUploadServer':
        return { upload_url: `${this.url}/upload/photo`, album_id: -3, group_id: this.groupId };
      case 'docs.getMessagesUploadServer':
        return { upload_url: `${this.url}/upload/doc` };
      case 'photos.saveMessagesPhoto':
        if (!params.photo || !params.hash) throw new Error('photo and hash are required');
        return [{ id: ++this.objectIds, owner_id: -this.groupId, access_key: 'pk', album_id: -3, sizes: [] }];
      case 'docs.save':
        if (!params.file) throw new Error('file is required');
        return { type: 'doc', doc: { id: ++this.objectIds, owner_id: -this.groupId, title: params.title ?? 'file', size: 1, ext: 'pdf', url: '' } };
      default:
        throw new Error(`Unknown method passed: ${method}`);
    }
  }

  private upload(kind: 'photo' | 'doc', body: Buffer, req: http.IncomingMessage, res: http.ServerResponse): void {
    const head = body.subarray(0, 2000).toString('latin1');
    const part = /name="(\w+)"; filename="([^"]*)"\r\nContent-Type: ([^\r\n]+)/i.exec(head);
    const field = part?.[1];
    if (!part || field !== (kind === 'photo' ? 'photo' : 'file')) return json(res, { error: 'invalid upload field' });
    const boundary = /boundary=(.+)$/.exec(req.headers['content-type'] ?? '')?.[1];
    const start = body.indexOf('\r\n\r\n', part.index) + 4;
    const end = boundary ? body.indexOf(`\r\n--${boundary}`, start) : body.length;
    this.uploads.push({ kind, filename: Buffer.from(part[2]!, 'latin1').toString('utf8'), bytes: end - start, ...(part[3] ? { contentType: part[3] } : {}) });
    if (kind === 'photo') json(res, { server: 1, photo: JSON.stringify([{ photo: randomBytes(4).toString('hex') }]), hash: 'h' });
    else json(res, { file: `uploaded-${randomBytes(4).toString('hex')}` });
  }

  private longPoll(url: URL, res: http.ServerResponse): void {
    if (url.searchParams.get('key') !== this.lp.key) return json(res, { failed: 2 });
    const ts = Number(url.searchParams.get('ts'));
    const answer = () => {
      const updates = this.lp.events.filter((e) => e.seq >= ts).map((e) => e.update);
      json(res, { ts: String(this.lp.next), updates });
    };
    if (this.lp.events.some((e) => e.seq >= ts)) return answer();
    // Waits (VK's `wait`, capped at a second here) for an event, then answers either way.
    const timer = setTimeout(() => {
      this.lp.waiters = this.lp.waiters.filter((w) => w !== wake);
      answer();
    }, Math.min(1000, Number(url.searchParams.get('wait') ?? 25) * 1000));
    const wake = () => {
      clearTimeout(timer);
      if (!res.writableEnded && !res.destroyed) answer();
    };
    this.lp.waiters.push(wake);
  }
}

function json(res: http.ServerResponse, body: unknown): void {
  const raw = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(raw) }).end(raw);
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** POSTs an event to the gateway's Callback API route, as VK does (with the secret unless told otherwise). */
export async function postCallback(gatewayUrl: string, update: VkUpdateEnvelope | Record<string, unknown>, secret: string | undefined): Promise<{ status: number; text: string; headers: Headers }> {
  const body = secret === undefined ? update : { ...update, secret };
  const res = await fetch(`${gatewayUrl}/webhooks/vk`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-retry-counter': '0' }, body: JSON.stringify(body) });
  return { status: res.status, text: await res.text(), headers: res.headers };
}
