import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { BROKER_CONFIG } from '../common/core.module';
import { BrokerError, ErrorCode } from '../common/errors';
import type { BrokerConfig } from '../config/broker-config';
import { ConfigError } from '../config/broker-config';
import {
  Action,
  formatResource,
  OPEN_PRINCIPAL,
  Principal,
  Resource,
  ResourceKind,
} from './permissions';
import { TokenTable } from './token-file';

/** The topics of a share group, or undefined when there is no such group. */
export type GroupTopicsLookup = (group: string) => readonly string[] | undefined;

/** Where a request came from, for the audit log: `POST /topics` or `ws produce`. */
export type Via = string;

/**
 * The one authority on who may do what: authenticates bearer tokens against the tokens file
 * (`WEIR_AUTH_FILE`) and authorises actions, writing an audit line for every refusal and every
 * `manage` action (token name, action, resource; never a secret). With auth off every request
 * is made by the open principal. `reload` re-reads the file (SIGHUP); a bad file keeps the
 * tokens in force.
 */
@Injectable()
export class AccessControl implements OnModuleInit {
  private readonly audit = new Logger('Audit');
  private readonly logger = new Logger('AccessControl');
  private table: TokenTable | undefined;
  private readonly reloadListeners: Array<() => void> = [];
  private groupTopics: GroupTopicsLookup = () => undefined;

  constructor(@Inject(BROKER_CONFIG) private readonly config: BrokerConfig) {}

  /** Loads the tokens file at start; a bad file stops the start (a configuration error). */
  onModuleInit(): void {
    if (!this.config.authFile) return;
    try {
      this.table = TokenTable.load(this.config.authFile);
    } catch (error) {
      throw new ConfigError([`WEIR_AUTH_FILE: ${(error as Error).message}`]);
    }
    this.logger.log(`auth on: ${this.table.size} tokens from ${this.config.authFile}`);
  }

  get enabled(): boolean {
    return this.config.authFile !== undefined;
  }

  /** Re-reads the tokens file; on a bad file keeps the current tokens and says why. */
  reload(): boolean {
    if (!this.config.authFile) return false;
    try {
      this.table = TokenTable.load(this.config.authFile);
      this.logger.log(`reloaded ${this.table.size} tokens from ${this.config.authFile}`);
      for (const listener of this.reloadListeners) listener();
      return true;
    } catch (error) {
      this.logger.error(`kept the previous tokens: ${(error as Error).message}`);
      return false;
    }
  }

  /** Tells how to find the topics of a share group (the queues module registers it). */
  useGroupTopics(lookup: GroupTopicsLookup): void {
    this.groupTopics = lookup;
  }

  /**
   * Consuming group `group`: `consume` on it, and `read` on the topics the request names, or on
   * the group's own topics when it names none.
   */
  authorizeConsume(
    principal: Principal,
    group: string,
    namedTopics: readonly unknown[] | undefined,
    via: Via,
  ): void {
    this.authorize(principal, Action.CONSUME, { kind: ResourceKind.GROUP, name: group }, via);
    const topics = namedTopics ?? this.groupTopics(group) ?? [];
    for (const topic of topics) {
      if (typeof topic !== 'string') continue;
      this.authorize(principal, Action.READ, { kind: ResourceKind.TOPIC, name: topic }, via);
    }
  }

  /** Runs `listener` after each successful reload (to drop sockets whose token is gone). */
  onReload(listener: () => void): void {
    this.reloadListeners.push(listener);
  }

  /** True when `secret` authenticates now (always, with auth off); no audit line. */
  accepts(secret: string | undefined): boolean {
    if (!this.table) return true;
    return secret !== undefined && this.table.authenticate(secret) !== undefined;
  }

  /**
   * The principal of a bearer `secret`; throws `UNAUTHENTICATED` when auth is on and the secret
   * is missing or unknown. With auth off, the open principal.
   */
  authenticate(secret: string | undefined, via: Via): Principal {
    if (!this.table) return OPEN_PRINCIPAL;
    const principal = secret === undefined ? undefined : this.table.authenticate(secret);
    if (!principal) {
      this.audit.warn(
        `refused ${via}: ${secret === undefined ? 'no token' : 'unknown token'} (UNAUTHENTICATED)`,
      );
      throw new BrokerError(
        ErrorCode.UNAUTHENTICATED,
        secret === undefined
          ? 'A token is required: send Authorization: Bearer <token>'
          : 'The token is not known',
      );
    }
    return principal;
  }

  /** Throws `FORBIDDEN` unless `principal` may do `action` to `resource`; audits. */
  authorize(principal: Principal, action: Action, resource: Resource, via: Via): void {
    if (!principal.may(action, resource)) {
      this.refuse(principal, action, formatResource(resource), via);
    }
    if (action === Action.MANAGE) {
      this.audit.log(`${principal.name} ${action} ${formatResource(resource)} (${via})`);
    }
  }

  /** Throws `FORBIDDEN` unless `principal` may do `action` to some resource of `kind`. */
  authorizeAny(principal: Principal, action: Action, kind: ResourceKind, via: Via): void {
    if (!principal.mayOnSome(action, kind)) this.refuse(principal, action, `${kind}:*`, via);
  }

  /** Throws `FORBIDDEN` unless `principal` is an admin token. */
  authorizeAdmin(principal: Principal, via: Via): void {
    if (!principal.admin) this.refuse(principal, 'admin', 'broker', via);
  }

  private refuse(principal: Principal, action: string, resource: string, via: Via): never {
    this.audit.warn(`refused ${via}: ${principal.name} may not ${action} ${resource} (FORBIDDEN)`);
    throw new BrokerError(
      ErrorCode.FORBIDDEN,
      `Token '${principal.name}' may not ${action} ${resource}`,
      { action, resource },
    );
  }
}
