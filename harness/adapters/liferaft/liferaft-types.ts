/**
 * The parts of @markwylde/liferaft (1.4.0, plain JavaScript without type declarations) that
 * the adapter touches, typed from its source (index.js, log.js).
 */

/** `Raft.STOPPED` … `Raft.CHILD`: the values of `raft.state`. */
export interface LiferaftStates {
  STOPPED: number;
  LEADER: number;
  CANDIDATE: number;
  FOLLOWER: number;
  CHILD: number;
}

/** What liferaft sends: `packet(type, data)` and `appendPacket(entry)`. */
export interface LiferaftPacket {
  type: string;
  state: number;
  term: number;
  address: string;
  leader: string;
  /** The sender's last entry (for `append` built by `appendPacket`: the entry before `data[0]`) and commit index. */
  last?: { index: number; term: number; committedIndex: number };
  data?: unknown;
}

/** An entry as log.js stores it. */
export interface LiferaftEntry {
  index: number;
  term: number;
  committed: boolean;
  responses: Array<{ address: string; ack: boolean }>;
  command: unknown;
}

export type Write = (packet?: LiferaftPacket, callback?: (error: unknown, data: unknown) => void) => void;

export interface LiferaftLog {
  committedIndex: number;
}

export interface LiferaftRaft {
  state: number;
  term: number;
  leader: string;
  address: string;
  votes: { for: string | null; granted: number };
  log: LiferaftLog | null;
  timers: { end(): void } | null;
  on(event: string, listener: (...args: never[]) => void): unknown;
  emit(event: string, ...args: unknown[]): boolean;
  join(address: string, write: Write): unknown;
  promote(): Promise<unknown>;
  command(command: unknown): Promise<void>;
}

export type LiferaftRaftClass = LiferaftStates & (new (address: string, options: Record<string, unknown>) => LiferaftRaft);

export type LiferaftLogClass = new (node: LiferaftRaft, options: Record<string, unknown>) => LiferaftLog;
