/**
 * The console's users. A user is linked to the desk's Agent with the same email (or the handle
 * given), so what an agent does in the console is theirs in the history, as in Slack or Telegram.
 */
import type { Db } from '../db/prisma.js';
import { ValidationError } from '../core/errors.js';
import { hashPassword, MIN_PASSWORD_LENGTH } from './passwords.js';
import type { Role } from './roles.js';

export interface UserView {
  id: string;
  email: string;
  name: string;
  role: Role;
  active: boolean;
  agent: { handle: string; name: string } | null;
  createdAt: string;
}

export interface UserInput {
  email: string;
  name?: string | undefined;
  role: Role;
  password: string;
  /** The desk agent's handle; unset: the agent with the same email, if any. */
  agent?: string | undefined;
}

const include = { agent: { select: { handle: true, name: true } } } as const;

type UserRow = { id: string; email: string; name: string; role: Role; active: boolean; createdAt: Date; agent: { handle: string; name: string } | null };

export function userView(u: UserRow): UserView {
  return { id: u.id, email: u.email, name: u.name, role: u.role, active: u.active, agent: u.agent, createdAt: u.createdAt.toISOString() };
}

export function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) throw new ValidationError(`must be at least ${MIN_PASSWORD_LENGTH} characters`, 'password');
}

export class UserStore {
  constructor(private readonly db: Db) {}

  async list(): Promise<UserView[]> {
    return (await this.db.user.findMany({ include, orderBy: { email: 'asc' } })).map(userView);
  }

  async get(id: string): Promise<UserView | null> {
    const user = await this.db.user.findUnique({ where: { id }, include });
    return user ? userView(user) : null;
  }

  findByEmail(email: string) {
    return this.db.user.findUnique({ where: { email: email.trim().toLowerCase() } });
  }

  count(): Promise<number> {
    return this.db.user.count();
  }

  /** The agent a user acts as: the handle given, else the agent with the user's email. */
  private async agentFor(email: string, handle: string | null | undefined): Promise<string | null> {
    if (handle === null) return null;
    if (handle !== undefined) {
      const agent = await this.db.agent.findUnique({ where: { handle: handle.replace(/^@/, '') }, select: { id: true } });
      if (!agent) throw new ValidationError(`no agent with the handle "${handle}"`, 'agent');
      return agent.id;
    }
    const agent = await this.db.agent.findFirst({ where: { email: { equals: email, mode: 'insensitive' } }, select: { id: true } });
    return agent?.id ?? null;
  }

  /** Creates the user, or (upsert) sets the password, role and name of the one with that email. */
  async upsert(input: UserInput): Promise<UserView> {
    checkPassword(input.password);
    const email = input.email.trim().toLowerCase();
    const agentId = await this.agentFor(email, input.agent);
    const passwordHash = await hashPassword(input.password);
    const name = input.name ?? email.split('@')[0]!;
    const user = await this.db.user.upsert({
      where: { email },
      create: { email, name, role: input.role, passwordHash, agentId },
      update: { role: input.role, passwordHash, active: true, ...(input.name ? { name } : {}), ...(agentId ? { agentId } : {}) },
      include,
    });
    return userView(user);
  }

  async update(id: string, patch: { name?: string | undefined; role?: Role | undefined; password?: string | undefined; active?: boolean | undefined; agent?: string | null | undefined }): Promise<UserView> {
    const current = await this.db.user.findUnique({ where: { id } });
    if (!current) throw new ValidationError(`no user ${id}`, 'id');
    if (patch.password !== undefined) checkPassword(patch.password);
    const agentId = patch.agent === undefined ? undefined : await this.agentFor(current.email, patch.agent);
    const user = await this.db.user.update({
      where: { id },
      data: {
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.role !== undefined ? { role: patch.role } : {}),
        ...(patch.active !== undefined ? { active: patch.active } : {}),
        ...(patch.password !== undefined ? { passwordHash: await hashPassword(patch.password) } : {}),
        ...(agentId !== undefined ? { agentId } : {}),
      },
      include,
    });
    return userView(user);
  }

  async remove(id: string): Promise<boolean> {
    return (await this.db.user.deleteMany({ where: { id } })).count > 0;
  }

  /** Admins left if `exceptId` lost the role: the last active admin cannot be demoted or removed. */
  async otherActiveAdmins(exceptId: string): Promise<number> {
    return this.db.user.count({ where: { role: 'admin', active: true, id: { not: exceptId } } });
  }

  /** Links a user still without an agent to the one with their email (agents may be configured later). */
  async linkByEmail(id: string, email: string): Promise<void> {
    const agentId = await this.agentFor(email, undefined);
    if (agentId) await this.db.user.updateMany({ where: { id, agentId: null }, data: { agentId } }).catch(() => undefined);
  }
}
