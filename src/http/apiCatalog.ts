/**
 * Every documented route group, in the order the spec lists them: each router's own
 * declaration, plus the few routes app.ts mounts by itself. Add a new router's group here.
 */
import { apiChannelApi } from '../adapters/api/inbound.js';
import { whatsappApi } from '../adapters/whatsapp/routes.js';
import { apiGroup, type ApiGroup } from './apiRoutes.js';
import { authApi } from './authRoutes.js';
import { usersApi } from './usersRoutes.js';
import { cannedApi } from './cannedRoutes.js';
import { contactsApi } from './contactsRoutes.js';
import { deskApi } from './deskRoutes.js';
import { filesApi } from './filesRoutes.js';
import { kbApi } from './kbRoutes.js';
import { reportsApi } from './reportsRoutes.js';
import { ticketsApi } from './ticketsRoutes.js';
import { outreachApi } from './outreachRoutes.js';
import { liveApi } from './live.js';
import { viewsApi } from './viewsRoutes.js';

/** Routes app.ts mounts directly. */
const gatewayApi = apiGroup('operations', '', [
  { method: 'get', path: '/api/v1/channels', summary: "Each channel's status: state, detail, lastError, since" },
  { method: 'get', path: '/healthz', summary: 'Liveness and readiness: 200 when PostgreSQL and Redis answer, else 503', auth: 'none' },
  { method: 'get', path: '/api/openapi.json', summary: 'This document', auth: 'none' },
  {
    method: 'get', path: '/metrics', summary: 'Prometheus metrics (bearer ADMIN_TOKEN or METRICS_TOKEN)',
    success: { status: 200, description: 'the text exposition format', contentTypes: ['text/plain'] },
  },
]);

export const API_GROUPS: ApiGroup[] = [
  ticketsApi, outreachApi, liveApi, cannedApi, viewsApi, contactsApi, filesApi, deskApi, kbApi, reportsApi, authApi, usersApi, apiChannelApi, whatsappApi, gatewayApi,
];
