/**
 * Who may call what. The server enforces it on every /api/v1 route, whatever the UI shows:
 * viewers read reports; agents work tickets (views, contacts, canned responses, files, reading
 * and searching the knowledge base, saving a reply as an article); admins do everything else
 * (desk configuration, agents, users, knowledge-base editing, channels). A route nobody listed
 * here is admin-only, so a new route is never open by accident.
 */
export type Role = 'admin' | 'agent' | 'viewer';

const RANK: Record<Role, number> = { viewer: 1, agent: 2, admin: 3 };

/** True if `role` may do what `needed` may. */
export function roleAllows(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}

interface Rule {
  methods: 'read' | 'any';
  path: RegExp;
  role: Role;
}

const RULES: Rule[] = [
  { methods: 'read', path: /^\/reports(\/|$)/, role: 'viewer' },
  { methods: 'any', path: /^\/(tickets|views|contacts|files)(\/|$)/, role: 'agent' },
  // Which tickets just changed (src/http/live.ts).
  { methods: 'read', path: /^\/live$/, role: 'agent' },
  { methods: 'read', path: /^\/canned$/, role: 'agent' },
  { methods: 'read', path: /^\/kb\/(articles|search)(\/|$)/, role: 'agent' },
  // The assignee picker, and "give me the next ticket".
  { methods: 'read', path: /^\/agents(\/[^/]+)?$/, role: 'agent' },
  { methods: 'any', path: /^\/agents\/[^/]+\/next$/, role: 'agent' },
];

/** The least role that may call `method path` (path relative to /api/v1). */
export function requiredRole(method: string, path: string): Role {
  const read = method === 'GET' || method === 'HEAD';
  for (const rule of RULES) if ((rule.methods === 'any' || read) && rule.path.test(path)) return rule.role;
  return 'admin';
}
