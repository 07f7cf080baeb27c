/**
 * The parts of @coaty/consensus.raft's etcd-raft port the adapter uses, typed from its
 * declaration files (ported/*.d.ts). Only what the adapter touches is listed.
 */

/** etcd's Entry: `data` is the application's payload (here a register command; null for a leader's empty entry). */
export interface EtcdEntry {
  term: number;
  index: number;
  type: number;
  data: unknown;
}

export interface EtcdMessage {
  type: number;
  to: string;
  from: string;
  term: number;
  logTerm: number;
  index: number;
  entries: EtcdEntry[];
  commit: number;
  reject: boolean;
  rejectHint: number;
  context: unknown;
}

export interface EtcdHardState {
  term: number;
  vote: string;
  commit: number;
  isEmptyHardState(): boolean;
}

export interface EtcdReady {
  hardState: EtcdHardState;
  entries: EtcdEntry[];
  committedEntries: EtcdEntry[];
  messages: EtcdMessage[];
}

export interface EtcdRaft {
  id: string;
  term: number;
  vote: string;
  lead: string;
  state: number;
  electionElapsed: number;
  raftLog: { committed: number };
  /** Messages produced since the last Ready. */
  msgs: EtcdMessage[];
}

export interface EtcdRawNode {
  raft: EtcdRaft;
  step(m: EtcdMessage): Error | null;
  tick(): void;
  campaign(): Error | null;
  propose(data: unknown): Error | null;
  hasReady(): boolean;
  ready(): EtcdReady;
  advance(rd: EtcdReady): void;
}

export interface EtcdStorage {
  hardState: EtcdHardState;
  SetHardState(st: EtcdHardState): Error | null;
  Append(entries: EtcdEntry[]): Error | null;
}

export interface EtcdLogger {
  infof(format: string, ...v: unknown[]): void;
  warningf(format: string, ...v: unknown[]): void;
  errorf(format: string, ...v: unknown[]): void;
  debugf(format: string, ...v: unknown[]): void;
  fatalf(format: string, ...v: unknown[]): void;
  panicf(format: string, ...v: unknown[]): void;
}

export interface CoatyCore {
  RawNode: { NewRawNode(config: unknown): EtcdRawNode };
  MemoryStorage: new (param: { hardState: EtcdHardState; snapshot: unknown; ents: EtcdEntry[] }) => EtcdStorage;
  RaftConfig: new (param: Record<string, unknown>) => unknown;
  Entry: new (param?: Partial<EtcdEntry>) => EtcdEntry;
  HardState: new (param?: Partial<Omit<EtcdHardState, 'isEmptyHardState'>>) => EtcdHardState;
  Snapshot: new (param?: { metadata?: { confState?: { voters?: string[] }; index?: number; term?: number } }) => unknown;
  Message: new (param?: Partial<EtcdMessage>) => EtcdMessage;
  /** Enum objects: name → number and number → name. */
  MessageType: Record<string, number | string>;
  StateType: Record<string, number | string>;
  setLogger(logger: EtcdLogger): void;
}
