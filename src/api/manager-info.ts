// What the control API needs to know about the manager it runs in, beyond the store.
// The manager daemon implements this; tests pass a plain object.

export interface JoinTokens {
  Worker: string;
  Manager: string;
}

export interface ManagerInfo {
  /** Store ID of this manager's own Node object (`Swarm.NodeID`, the `*` in `docker node ls`). */
  nodeId: string;
  /** Hostname reported as `Name` in `/info`. */
  hostname: string;
  /** host:port the other nodes reach this manager on (`Swarm.NodeAddr`, `RemoteManagers`). */
  clusterAddr: string;
  /** tsswarm version string, reported as the engine/server version. */
  version: string;
  /** False on a follower: write routes are then forwarded to the leader's API. */
  isLeader(): boolean;
  /** host:port of the leader's control API, when known (followers forward writes there). */
  leaderApiAddr?(): string | undefined;
  /** Resolves once this replica has applied every write committed before the call (Raft ReadIndex). */
  linearizableRead?(): Promise<void>;
  /** Takes a manager out of the Raft group (demotion); the caller has checked quorum. */
  removeManager?(nodeId: string): Promise<void>;
  /** Current join tokens, served by `GET /swarm`. */
  joinTokens(): JoinTokens;
}
