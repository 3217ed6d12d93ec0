/**
 * The route registry behind the OpenAPI spec (./openapi.ts). Each router declares its routes
 * next to the zod schemas it validates with, and the spec is generated from those very schemas,
 * so the documentation cannot drift from what the server accepts. A test checks that every
 * route mounted under /api is declared.
 */
import type { z } from 'zod';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ApiRoute {
  method: HttpMethod;
  /** Express-style path (`/tickets/:number`), relative to the `base` of its group. */
  path: string;
  summary: string;
  /** Longer prose, when the summary is not enough. */
  description?: string;
  /** The schema the handler parses `req.query` with. */
  query?: z.ZodType;
  /** The schema the handler parses a JSON body with. */
  body?: z.ZodType;
  /** A body that is not JSON (a file, YAML), instead of or besides `body`: its media types and what it is. */
  rawBody?: { contentTypes: string[]; description: string };
  /** Schemas of path parameters that are not plain strings (`number: z.int()`); the rest are strings. */
  params?: Record<string, z.ZodType>;
  /** `bearer` (the default): the admin token; `signature`: the API channel's HMAC; `none`: public. */
  auth?: 'bearer' | 'signature' | 'none';
  /** The success status (200 unless given) and what it answers. */
  success?: { status: number; description: string; contentTypes?: string[] };
}

/** Routes mounted together under one base path. */
export interface ApiGroup {
  /** The group's name in the spec (an OpenAPI tag). */
  tag: string;
  /** Where the router is mounted, e.g. `/api/v1`. */
  base: string;
  routes: ApiRoute[];
}

/** Declares a router's routes (the identity, typed). */
export function apiGroup(tag: string, base: string, routes: ApiRoute[]): ApiGroup {
  return { tag, base, routes };
}
