/**
 * The OpenAPI spec at /api/openapi.json: valid in shape, generated from the validating schemas,
 * and complete: every route the gateway actually mounts under /api is in it (and nothing stale).
 */
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  rawPath?: string;
}

/** Every route mounted on the app, as "METHOD /full/path" with Express's `:param`s. */
function mountedRoutes(app: Express): string[] {
  const found: string[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const path of [layer.route.path].flat()) {
          for (const method of Object.keys(layer.route.methods).filter((m) => m !== '_all')) found.push(`${method.toUpperCase()} ${prefix}${path}`);
        }
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack, `${prefix}${typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : ''}`);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return found;
}

const toOpenApi = (path: string) => path.replace(/:(\w+)/g, '{$1}');

type Spec = {
  openapi: string;
  info: { title: string; version: string };
  security: unknown[];
  paths: Record<string, Record<string, { operationId: string; parameters: Array<{ name: string; in: string; required: boolean; schema: Record<string, unknown> }>; requestBody?: { content: Record<string, { schema: Record<string, unknown> }> }; responses: Record<string, unknown>; security: unknown[] }>>;
  components: { securitySchemes: Record<string, { type: string; scheme?: string }>; schemas: Record<string, { properties: Record<string, unknown>; required: string[] }> };
};

let t: TestGateway;
let spec: Spec;

beforeAll(async () => {
  t = await startTestGateway();
  const res = await fetch(`${t.baseUrl}/api/openapi.json`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  spec = (await res.json()) as Spec;
});

afterAll(async () => {
  await t?.stop();
});

describe('GET /api/openapi.json', () => {
  it('is an OpenAPI 3 document: paths, components, the bearer scheme and the error shape', () => {
    expect(spec.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(spec.info.title).toBeTruthy();
    expect(spec.info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(spec.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(spec.components.securitySchemes.session).toMatchObject({ type: 'apiKey', in: 'cookie' });
    // The admin token, or a console session.
    expect(spec.security).toEqual([{ bearer: [] }, { session: [] }]);
    expect(spec.components.schemas.Error?.required?.sort()).toEqual(['error', 'message']);
    expect(Object.keys(spec.components.schemas.Error?.properties ?? {}).sort()).toEqual(['error', 'field', 'message']);
    const operationIds = Object.values(spec.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId));
    expect(new Set(operationIds).size).toBe(operationIds.length);
    for (const [path, operations] of Object.entries(spec.paths)) {
      expect(path).toMatch(/^\//);
      for (const [method, op] of Object.entries(operations)) {
        expect(['get', 'post', 'put', 'patch', 'delete']).toContain(method);
        expect(Object.keys(op.responses).length, `${method} ${path}`).toBeGreaterThan(1);
        // Every path parameter of the template is declared, and only those.
        const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        expect(op.parameters.filter((p) => p.in === 'path').map((p) => p.name)).toEqual(templated);
      }
    }
  });

  it('documents every route mounted under /api, and no route that is not there', () => {
    const mounted = mountedRoutes(t.gateway.app).filter((r) => / \/api\//.test(r));
    expect(mounted.length).toBeGreaterThan(30);
    const documented = Object.entries(spec.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    const missing = mounted.filter((r) => !documented.includes(toOpenApi(r)));
    expect(missing, 'mounted but not in the spec: declare them with apiGroup next to their schemas (src/http/apiCatalog.ts)').toEqual([]);
    // WhatsApp's QR route is mounted only while WhatsApp is on (it is off here).
    const stale = documented.filter((r) => r.includes(' /api/v1/') && !r.includes('/whatsapp/') && !mounted.map(toOpenApi).includes(r));
    expect(stale, 'in the spec but not mounted').toEqual([]);
  });

  it('documents the reports, with their query parameters from the validating schema', () => {
    const summary = spec.paths['/api/v1/reports/summary']?.get;
    expect(summary).toBeDefined();
    const names = summary!.parameters.filter((p) => p.in === 'query').map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['from', 'to', 'tz', 'channel', 'team', 'agent', 'category', 'format']));
    expect(summary!.security).toContainEqual({ bearer: [] });
    const series = spec.paths['/api/v1/reports/timeseries']?.get;
    // What the route checks: metric is required and one of the series metrics, interval day or week.
    const metric = series?.parameters.find((p) => p.name === 'metric');
    expect(metric).toMatchObject({ in: 'query', required: true });
    expect(metric?.schema.enum).toEqual(expect.arrayContaining(['volume', 'afrt', 'csat']));
    expect(series?.parameters.find((p) => p.name === 'interval')?.schema.enum).toEqual(['day', 'week']);
    expect(summary!.parameters.find((p) => p.name === 'from')?.required).toBe(false);
    expect(series?.parameters.map((p) => p.name)).toContain('interval');
  });

  it('takes bodies and parameters from the zod schemas the routes validate with', () => {
    const reply = spec.paths['/api/v1/tickets/{number}/messages']?.post;
    const body = reply?.requestBody?.content['application/json']?.schema as { properties: Record<string, { type?: string; maxLength?: number }> };
    expect(Object.keys(body.properties).sort()).toEqual(['agent', 'attachments', 'internal', 'text']);
    expect(body.properties.text?.maxLength).toBe(20_000);
    expect(reply?.parameters.find((p) => p.name === 'number')?.schema).toMatchObject({ type: 'integer', minimum: 1 });
    const list = spec.paths['/api/v1/tickets']?.get;
    expect(list?.parameters.find((p) => p.name === 'sort')?.schema.enum).toContain('-priority');
    expect(list?.parameters.find((p) => p.name === 'limit')?.schema).toMatchObject({ type: 'integer', maximum: 200 });
    // The API channel is signed, not bearer-protected; health and the spec itself are public.
    expect(spec.paths['/api/v1/inbound']?.post?.security).toEqual([{ signature: [] }]);
    expect(spec.paths['/healthz']?.get?.security).toEqual([]);
    const inbound = spec.paths['/api/v1/inbound']?.post?.requestBody?.content['application/json']?.schema as { required: string[] };
    expect(inbound.required).toEqual(expect.arrayContaining(['chatId', 'messageId', 'from', 'text']));
  });

  it('is served without a token', async () => {
    const res = await fetch(`${t.baseUrl}/api/openapi.json`, { headers: { authorization: 'Bearer wrong' } });
    expect(res.status).toBe(200);
  });
});
