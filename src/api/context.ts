// What every route module gets: the store, a logger and the manager's own facts.
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import { unavailable } from './errors.js';
import type { ManagerInfo } from './manager-info.js';

export interface ApiContext {
  store: Store;
  log: Logger;
  info: ManagerInfo;
}

/** Refuses a write on a follower before touching the store (the store would refuse it too). */
export function requireLeader(ctx: ApiContext): void {
  if (!ctx.info.isLeader()) {
    throw unavailable('this manager is not the leader: send writes to the leader manager, or retry after the election');
  }
}
