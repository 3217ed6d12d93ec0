/**
 * A local fake of the few Slack Web API methods the desk calls. WebClient posts form-encoded
 * bodies (JSON values such as `blocks` as strings) to `<slackApiUrl><method>`; every call is
 * recorded, and `rateLimitNext` answers the next calls of a method with 429 + Retry-After.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  at: number;
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
  rateLimitNext(method: string, times: number, retryAfterSeconds: number): void;
  of(method: string): SlackCall[];
  close(): Promise<void>;
}

export async function startFakeSlack(): Promise<FakeSlack> {
  const calls: SlackCall[] = [];
  const emails = new Map<string, string>();
  const uploads = new Map<string, Buffer>();
  let base = '';
  const limited = new Map<string, { times: number; retryAfter: number }>();
  let seq = 0;
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
      const call: SlackCall = { method, args, at: Date.now() };
      calls.push(call);
      const reply = (body: Record<string, unknown>) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      switch (method) {
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
          return reply({ ok: true, user: { id: args.user, profile: email ? { email } : {} } });
        }
        default:
          return reply({ ok: false, error: 'unknown_method' });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    calls,
    uploads,
    emails,
    rateLimitNext: (method, times, retryAfter) => void limited.set(method, { times, retryAfter }),
    of: (method) => calls.filter((c) => c.method === method),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
