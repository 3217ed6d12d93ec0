/**
 * The desk configuration in force. Everything in the core that depends on it (SLA clocks,
 * routing, assignment, timers, notifications, automation) reads `current` or `sla` at the
 * moment it acts, never a copy taken at start, so a change made through the REST API (a new
 * version in PostgreSQL, announced to every instance) takes effect everywhere without a restart.
 */
import type { DeskConfig } from './deskConfig.js';
import { emptyDeskConfig } from './deskConfig.js';
import { SlaClock } from './sla/policy.js';

type Listener = (config: DeskConfig, version: number | null) => void;

export class DeskSettings {
  private config: DeskConfig;
  private clock: SlaClock;
  private versionNumber: number | null;
  private readonly listeners = new Set<Listener>();

  constructor(config: DeskConfig = emptyDeskConfig(), version: number | null = null) {
    this.config = config;
    this.clock = SlaClock.fromConfig(config);
    this.versionNumber = version;
  }

  /** The validated configuration in force. */
  get current(): DeskConfig {
    return this.config;
  }

  /** The SLA policies of the configuration in force. */
  get sla(): SlaClock {
    return this.clock;
  }

  /** The configuration's version in the database, or null before it was stored. */
  get version(): number | null {
    return this.versionNumber;
  }

  /** Puts a validated configuration in force and tells the listeners. */
  replace(config: DeskConfig, version: number | null): void {
    this.clock = SlaClock.fromConfig(config);
    this.config = config;
    this.versionNumber = version;
    for (const listener of this.listeners) listener(config, version);
  }

  /** Calls `listener` after every change; returns the function that unsubscribes. */
  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
