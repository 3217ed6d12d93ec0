/**
 * A local fake of the few Slack Web API methods the desk calls. WebClient posts form-encoded
 * bodies (JSON values such as `blocks` as strings) to `<slackApiUrl><method>`; every call is
 * recorded, and `rateLimitNext` answers the next calls of a method with 429 + Retry-After.
 *
 * Socket Mode: `apps.connections.open` answers a WebSocket URL of this server, which says
 * `hello`, pings like Slack, and lets a test send envelopes and read the app's acks.
 * Files: `serveFile` publishes bytes at a private URL that needs the bot token, as Slack's do.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';

export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  at: number;
  /** The token the call was made with (Authorization: Bearer …). */
  token?: string;
  /** The ts chat.postMessage answered with. */
  ts?: string;
}

export interface FakeSlack {
  url: string;
  calls: SlackCall[];
  /** Bytes posted to the upload URLs of files.getUploadURLExternal, by file id. */
  uploads: Map<string, Buffer>;
  /** users.info answers with these emails. */
  emails: Map<string, string>;
  /** users.info answers with these real names. */
  names: Map<string, string>;
  rateLimitNext(method: string, times: number, retryAfterSeconds: number): void;
  /** Socket Mode connections open now. */
  sockets(): number;
  /** Sends an envelope (`type`, `payload`, …) over the newest socket; resolves with the app's ack payload. */
  sendEnvelope(envelope: { type: string; payload: unknown; retry_attempt?: number }, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Serves bytes at a private file URL (answering 403 without the bot token); returns the URL. */
  serveFile(name: string, data: Buffer, token: string): string;
  of(method: string): SlackCall[];
  close(): Promise<void>;
}

export async function startFakeSlack(): Promise<FakeSlack> {
  const calls: SlackCall[] = [];
  const emails = new Map<string, string>();
  const names = new Map<string, string>();
  const uploads = new Map<string, Buffer>();
  let base = '';
  const limited = new Map<string, { times: number; retryAfter: number }>();
  let seq = 0;
  const files = new Map<string, { data: Buffer; token: string }>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const upload = /^\/upload\/(F\w+)$/.exec(req.url ?? '');
      if (upload?.[1]) {
        uploads.set(upload[1], Buffer.concat(chunks));
        res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${Buffer.concat(chunks).length}`);
        return;
      }
      const file = /^\/files-pri\/(.+)$/.exec(req.url ?? '');
      if (file?.[1]) {
        const served = files.get(decodeURIComponent(file[1]));
        if (!served) return void res.writeHead(404).end();
        if (req.headers.authorization !== `Bearer ${served.token}`) return void res.writeHead(403).end();
        return void res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': served.data.length }).end(served.data);
      }
      const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0] ?? '';
      const raw = Buffer.concat(chunks).toString('utf8');
      const type = req.headers['content-type'] ?? '';
      const args: Record<string, unknown> = type.includes('json') ? (JSON.parse(raw || '{}') as Record<string, unknown>) : Object.fromEntries(new URLSearchParams(raw));
      for (const key of ['blocks', 'attachments', 'files']) if (typeof args[key] === 'string') args[key] = JSON.parse(args[key] as string);
      const limit = limited.get(method);
      if (limit && limit.times > 0) {
        limit.times--;
        res.writeHead(429, { 'retry-after': String(limit.retryAfter), 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error: 'ratelimited' }));
        return;
      }
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const call: SlackCall = { method, args, at: Date.now(), ...(token ? { token } : {}) };
      calls.push(call);
      const reply = (body: Record<string, unknown>) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      switch (method) {
        case 'apps.connections.open':
          return reply(token?.startsWith('xapp-') ? { ok: true, url: `${base.replace(/^http/, 'ws')}/socket` } : { ok: false, error: 'not_allowed_token_type' });
        case 'auth.test':
          return reply({ ok: true, user_id: 'UBOT', user: 'omnidesk', bot_id: 'BBOT', team_id: 'T1' });
        case 'chat.postMessage':
          call.ts = `1700000000.${String(++seq).padStart(6, '0')}`;
          return reply({ ok: true, channel: args.channel, ts: call.ts });
        case 'chat.update':
          return reply({ ok: true, channel: args.channel, ts: args.ts });
        case 'chat.postEphemeral':
          return reply({ ok: true, message_ts: `1700000001.${String(++seq).padStart(6, '0')}` });
        case 'files.getUploadURLExternal': {
          const id = `F${String(++seq).padStart(8, '0')}`;
          return reply({ ok: true, file_id: id, upload_url: `${base}/upload/${id}` });
        }
        case 'files.completeUploadExternal':
          return reply({ ok: true, files: (args.files as Array<{ id: string }>).map((f) => ({ id: f.id })) });
        case 'users.info': {
          const email = emails.get(String(args.user));
          const name = names.get(String(args.user));
          return reply({ ok: true, user: { id: args.user, profile: { ...(email ? { email } : {}), ...(name ? { real_name: name } : {}) } } });
        }
        default:
          return reply({ ok: false, error: 'unknown_method' });
      }
    });
  });
  // Socket Mode: Slack greets with `hello`, pings, and waits for an ack per envelope.
  const wss = new WebSocketServer({ server, path: '/socket' });
  const open: WebSocket[] = [];
  const acks = new Map<string, (payload: Record<string, unknown>) => void>();
  wss.on('connection', (ws) => {
    open.push(ws);
    const ping = setInterval(() => ws.ping(), 2000);
    ws.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8')) as { envelope_id?: string; payload?: Record<string, unknown> };
      if (message.envelope_id) acks.get(message.envelope_id)?.(message.payload ?? {});
    });
    ws.on('close', () => {
      clearInterval(ping);
      open.splice(open.indexOf(ws), 1);
    });
    ws.send(JSON.stringify({ type: 'hello', num_connections: open.length, connection_info: { app_id: 'A1' }, debug_info: { host: 'fake' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    calls,
    uploads,
    emails,
    names,
    rateLimitNext: (method, times, retryAfter) => void limited.set(method, { times, retryAfter }),
    sockets: () => open.length,
    sendEnvelope: (envelope, timeoutMs = 5000) => {
      const ws = open.at(-1);
      if (!ws) return Promise.reject(new Error('no Socket Mode connection'));
      const id = randomUUID();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          acks.delete(id);
          reject(new Error(`no ack for a ${envelope.type} envelope within ${timeoutMs} ms`));
        }, timeoutMs);
        acks.set(id, (payload) => {
          clearTimeout(timer);
          acks.delete(id);
          resolve(payload);
        });
        ws.send(JSON.stringify({ envelope_id: id, accepts_response_payload: envelope.type === 'slash_commands', ...envelope }));
      });
    },
    serveFile: (name, data, token) => {
      files.set(name, { data, token });
      return `${base}/files-pri/${encodeURIComponent(name)}`;
    },
    of: (method) => calls.filter((c) => c.method === method),
    close: () =>
      new Promise((resolve) => {
        for (const ws of open) ws.terminate();
        wss.close();
        server.close(() => resolve());
      }),
  };
}
