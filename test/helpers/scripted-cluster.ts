/**
 * A simulated cluster driven step by step by a script: nothing happens unless the script says
 * so. Timers are set far beyond the script's horizon, so elections and heartbeats happen only
 * when the script fires them, and every message is delivered after a fixed delay unless the
 * script plans another fate for it (a delay, a loss, a duplicate). Traces made this way are the
 * reference's own, correct by construction, and short enough to read.
 */
import { Cluster } from '../../harness/simulator/cluster.js';
import type { NetworkModel, SendFate } from '../../harness/simulator/network.js';
import { MemorySink } from '../../harness/trace/sink.js';
import { createRandom } from '../../src/random.js';
import type { ConfigChange, Operation, PersistentState, TraceLine } from '../../src/trace/schema.js';

/** Every message arrives after `delay` ms, except those the script plans otherwise. */
export class ScriptedNetwork implements NetworkModel {
  private readonly plans: Array<{ from: string; to: string; fate: SendFate }> = [];

  constructor(private readonly delay: number) {}

  /** The next message sent from `from` to `to` gets `fate` instead of the usual delivery. */
  plan(from: string, to: string, fate: SendFate): void {
    this.plans.push({ from, to, fate });
  }

  fate(from: string, to: string): SendFate {
    const i = this.plans.findIndex((p) => p.from === from && p.to === to);
    return i >= 0 ? this.plans.splice(i, 1)[0]!.fate : { kind: 'deliver', delays: [this.delay] };
  }
}

export interface ScriptOptions {
  /** Most entries per AppendEntries (the reference's default is 64). */
  maxEntriesPerMessage?: number;
  /** Feature `membership`: the initial voters (the other nodes start outside the configuration). */
  voters?: readonly string[];
  /** With `voters`: feature `config-on-apply` too (a configuration takes effect when applied). */
  configOnApply?: boolean;
}

/** Message delay, and how long one script step lets the cluster run: every delivery lands within it. */
const DELAY = 2;
const STEP = 10;

export function scriptedCluster(ids: readonly string[], scenario: string, options: ScriptOptions = {}) {
  const sink = new MemorySink();
  const network = new ScriptedNetwork(DELAY);
  const cluster = new Cluster({
    ids,
    // Far beyond any script's length: only the script fires timers.
    node: {
      electionTimeout: { min: 100_000, max: 200_000 }, heartbeatInterval: 100_000, maxEntriesPerMessage: options.maxEntriesPerMessage ?? 64,
      ...(options.voters ? { features: options.configOnApply ? ['membership' as const, 'config-on-apply' as const] : ['membership' as const], configuration: { voters: options.voters, learners: [] } } : {}),
    },
    random: createRandom(1),
    network,
    sink,
    meta: { scenario, driver: 'scripted: timers fire only when the script fires them' },
  });
  cluster.start();
  let requestId = 0;
  const script = {
    cluster,
    network,
    /** Lets messages in flight arrive (and whatever they cause). */
    settle(ms = STEP): void {
      cluster.runUntil(cluster.time + ms);
    },
    /** `id`'s election timer fires; the election runs its course. */
    elect(id: string): void {
      cluster.fireTimer(id, 'election');
      script.settle();
    },
    /** `id`'s heartbeat timer fires (a leader sends AppendEntries to every peer). */
    heartbeat(id: string): void {
      cluster.fireTimer(id, 'heartbeat');
      script.settle();
    },
    /** A client request to `id`, with the next request id of the script. */
    request(id: string, client: string, op: Operation): number {
      cluster.clientRequest(id, client, ++requestId, op);
      script.settle();
      return requestId;
    },
    /** The client sends request `requestId` again, to `id`, under the same id (a retry after a time-out, §8). */
    resend(id: string, client: string, requestId: number, op: Operation): void {
      cluster.clientRequest(id, client, requestId, op);
      script.settle();
    },
    /** Feature `membership`: `id` is asked to change the configuration by one server. */
    reconfigure(id: string, change: ConfigChange, server: string): void {
      cluster.reconfigure(id, change, server);
      script.settle();
    },
    crash(id: string): void {
      cluster.crash(id);
    },
    /** Restarts `id` from what it persisted, or from `recovered` (it lost writes it had not stored yet). */
    restart(id: string, recovered?: PersistentState): void {
      cluster.restart(id, recovered);
      script.settle();
    },
    partition(...groups: string[][]): void {
      cluster.partitionGroups(groups);
    },
    heal(): void {
      cluster.heal();
    },
    /** An annotation for readers of the trace (no rule reads notes). */
    note(text: string): void {
      sink.write({ kind: 'note', text });
    },
    lines(): TraceLine[] {
      return sink.lines;
    },
  };
  return script;
}

export type Script = ReturnType<typeof scriptedCluster>;
