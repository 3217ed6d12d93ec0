/**
 * `GET /api/openapi.json` (no token): the OpenAPI 3.1 description of the REST API, generated
 * at start from the route registry (./apiRoutes.ts) and the same zod schemas that validate the
 * requests (zod's `toJSONSchema`, in its input form: what a client sends).
 */
import { readFileSync } from 'node:fs';
import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { ApiGroup, ApiRoute } from './apiRoutes.js';

/** The body of every error answer (./errors.ts `errorHandler`). */
export const apiErrorSchema = z
  .object({
    error: z.string().describe('a stable code: invalid_request, unauthorized, not_found, conflict …'),
    message: z.string().describe('what went wrong, for people'),
    field: z.string().optional().describe('the offending field (a dotted path), when one is to blame'),
  })
  .describe('An error');

const packageVersion = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

type JsonSchema = Record<string, unknown>;

/** A schema's internals, as far as the override below reads them. */
type Def = { type?: string; in?: { _zod: { def: Def; traits: Set<string> } }; out?: z.ZodType };

/**
 * `z.preprocess(f, a).pipe(b)` (a query parameter that may be repeated, then checked): zod
 * documents the input of such a pipe as `a`, a bare string; `b` says what is accepted.
 */
function preprocessedPipe(schema: z.core.$ZodType): z.ZodType | undefined {
  const def = schema._zod.def as Def;
  if (def.type !== 'pipe' || !def.in || !def.out) return undefined;
  const inner = def.in._zod.def;
  return inner.type === 'pipe' && inner.in?._zod.traits.has('$ZodTransform') ? def.out : undefined;
}

function jsonSchema(schema: z.ZodType): JsonSchema {
  // Transforms and refinements cannot be expressed: their input side is documented instead.
  const { $schema: _, ...rest } = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema: json }) => {
      const checked = preprocessedPipe(zodSchema);
      if (!checked) return;
      for (const key of Object.keys(json)) delete (json as JsonSchema)[key];
      Object.assign(json, jsonSchema(checked));
    },
  }) as JsonSchema;
  return rest;
}

/** `/tickets/:number` → `/tickets/{number}`. */
export function openApiPath(path: string): string {
  return path.replace(/:(\w+)/g, '{$1}');
}

function parameters(route: ApiRoute): JsonSchema[] {
  const params = [...route.path.matchAll(/:(\w+)/g)].map(([, name = '']) => ({
    name,
    in: 'path',
    required: true,
    schema: route.params?.[name] ? jsonSchema(route.params[name]) : { type: 'string' },
  }));
  if (!route.query) return params;
  const query = jsonSchema(route.query) as { properties?: Record<string, JsonSchema>; required?: string[] };
  const shape = route.query instanceof z.ZodObject ? (route.query.shape as Record<string, z.ZodType>) : {};
  const fields = Object.entries(query.properties ?? {}).map(([name, schema]) => {
    const { description, ...rest } = schema;
    // Required exactly when the route would refuse the request without it.
    const required = shape[name] ? !shape[name].safeParse(undefined).success : (query.required?.includes(name) ?? false);
    return { name, in: 'query', required, schema: rest, ...(description ? { description } : {}) };
  });
  return [...params, ...fields];
}

function requestBody(route: ApiRoute): JsonSchema | undefined {
  if (!route.body && !route.rawBody) return undefined;
  return {
    required: true,
    ...(route.rawBody ? { description: route.rawBody.description } : {}),
    content: {
      ...(route.body ? { 'application/json': { schema: jsonSchema(route.body) } } : {}),
      ...Object.fromEntries((route.rawBody?.contentTypes ?? []).map((type) => [type, { schema: { type: 'string' } }])),
    },
  };
}

/** The admin token, or a console session (its cookie; changes also carry X-CSRF-Token). */
const SIGNED_IN = [{ bearer: [] }, { session: [] }];

const errorRef = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

function operation(group: ApiGroup, route: ApiRoute): JsonSchema {
  const auth = route.auth ?? 'bearer';
  const success = route.success ?? { status: 200, description: 'OK' };
  const body = requestBody(route);
  const responses: Record<string, unknown> = {
    [success.status]: {
      description: success.description,
      ...(success.status === 204 ? {} : { content: Object.fromEntries((success.contentTypes ?? ['application/json']).map((type) => [type, {}])) }),
    },
  };
  if (route.query || body || route.params) responses['400'] = errorRef('Invalid request: `field` names the offending parameter');
  if (auth === 'bearer') responses['401'] = errorRef('Missing or invalid bearer token (or session)');
  if (auth === 'signature') responses['401'] = errorRef('Missing or invalid X-Signature');
  if (route.path.includes(':')) responses['404'] = errorRef('Not found');
  responses.default = errorRef('Any other error, in the same shape');
  return {
    tags: [group.tag],
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    operationId: `${route.method}${openApiPath(`${group.base}${route.path}`).replace(/[^\w]+(\w?)/g, (_, c: string) => c.toUpperCase())}`,
    parameters: parameters(route),
    ...(body ? { requestBody: body } : {}),
    security: auth === 'bearer' ? SIGNED_IN : auth === 'signature' ? [{ signature: [] }] : [],
    responses,
  };
}

/** The OpenAPI 3.1 document of these route groups. */
export function buildOpenApi(groups: ApiGroup[], options: { serverUrl: string; sessionCookie?: string }): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const group of groups) {
    for (const route of group.routes) {
      const path = openApiPath(`${group.base}${route.path}`);
      paths[path] ??= {};
      paths[path][route.method] = operation(group, route);
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'omnidesk REST API',
      version: packageVersion,
      description: 'The agent REST API (bearer ADMIN_TOKEN, or a console session) and the API channel (HMAC-signed). Errors are JSON `{error, message, field?}`.',
    },
    servers: [{ url: options.serverUrl }],
    tags: [...new Set(groups.map((g) => g.tag))].map((name) => ({ name })),
    security: SIGNED_IN,
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' },
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: options.sessionCookie ?? 'od_session',
          description: "The web console's session (POST /api/v1/auth/login); a change (POST, PUT, PATCH, DELETE) also sends X-CSRF-Token from GET /api/v1/auth/me. Roles limit what a session may do.",
        },
        signature: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Signature',
          description: '`sha256=` and the hex HMAC-SHA256 of the raw body with API_CHANNEL_SECRET',
        },
      },
      schemas: { Error: jsonSchema(apiErrorSchema) },
    },
  };
}

/** Serves the spec, built once. */
export function openApiHandler(spec: JsonSchema): RequestHandler {
  const body = JSON.stringify(spec);
  return (_req, res) => {
    res.type('application/json').set('cache-control', 'no-cache').send(body);
  };
}
