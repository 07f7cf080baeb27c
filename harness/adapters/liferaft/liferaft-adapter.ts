/**
 * @markwylde/liferaft (1.4.0) under raftcheck, as an asynchronous adapter (docs/ADAPTERS.md,
 * "Asynchronous libraries"; the findings are in docs/LIFERAFT.md).
 *
 * Each node is liferaft's own `Raft` with its own `Log` (log.js: levelup over encoding-down)
 * on an in-memory LevelDB (memory-leveldown.ts), configured with the harness's election
 * timeout range and heartbeat interval, and joined to its peers with a `write` that hands
 * every packet to raftcheck's network (wire.ts). Nothing of the library is changed or
 * re-implemented: its timers (tick-tock over the global setTimeout) and `Date` run on the node's
 * virtual clock (the worker thread's globals, taken over), its `Math.random` draws from the
 * node's seeded generator (load-liferaft.ts).
 *
 * - Crash and restart: liferaft persists its log and nothing else (term and vote live in
 *   memory), so what a crash keeps is the log, with term 0 and no vote. The store's records
 *   (each with liferaft's `committed` flag and the acknowledgements it counts) are kept as they
 *   are, as a disk would keep them, and a restarted node opens them again.
 * - Clients: a leader's `command()` saves and sends the entry; the client is answered when the
 *   node emits `commit` for it (liferaft's apply), with what the command gives on the register
 *   at that entry. Anything but a leader answers `not_leader` (liferaft throws NOTLEADER).
 * - Timers: the trace shows an election timeout whenever liferaft campaigns on its own (its
 *   heartbeat timer as a follower, its election timer as a candidate), and a heartbeat timeout
 *   when a leader beats. A forced election (the schedule's `timeout`) calls `promote()`, which
 *   is what liferaft's timers call; a leader ignores it.
 */
import { applyCommand, defineAsyncAdapter, type ClientReply, type Observation } from '../../api/adapter.js';
import { CONFORMANCE_RULES } from '../../checker/conformance/conformance.js';
import type { ClientResult, Command, Entry, NodeId, PersistentState, Role } from '../../../src/raft/types.js';
import { INITIAL_VALUE } from '../../../src/raft/register.js';
import { loadLiferaft } from './load-liferaft.js';
import type { LiferaftEntry, LiferaftPacket, LiferaftRaft } from './liferaft-types.js';
import { MemoryDisk, memoryLeveldown } from './memory-leveldown.js';
import { entriesOf, isWire, outgoing, recordKey } from './wire.js';

/**
 * The disks of crashed nodes, by node id, until they restart: a disk keeps liferaft's whole
 * records, which the Figure 2 state a crash returns (term, vote, log) cannot carry. A node
 * created without a persisted state is a new cluster's: its old disk is thrown away.
 */
const disks = new Map<NodeId, MemoryDisk>();

function diskFor(id: NodeId, persisted: PersistentState | undefined): MemoryDisk {
  const kept = disks.get(id);
  disks.delete(id);
  if (!persisted) return new MemoryDisk();
  if (kept && JSON.stringify(entriesOf(kept.sorted(), id)) === JSON.stringify(persisted.log)) return kept;
  // Not this adapter's crash (a persisted state from elsewhere): the log as liferaft writes it.
  return new MemoryDisk(persisted.log.map((e, i): [string, string] => {
    const record: LiferaftEntry = { term: e.term, index: i + 1, committed: false, responses: [{ address: id, ack: true }], command: e.command };
    return [recordKey(i + 1), JSON.stringify(record)];
  }));
}

const isRequest = (c: unknown): c is Command & { client: string; requestId: number } =>
  typeof c === 'object' && c !== null && typeof (c as { client?: unknown }).client === 'string' && typeof (c as { requestId?: unknown }).requestId === 'number';

export default defineAsyncAdapter({
  name: 'liferaft',
  // liferaft's timers are tens of ms (heartbeat 50, elections 150-300): 5 ms ticks are exact enough.
  tickMs: 5,
  profile: {
    skipRules: CONFORMANCE_RULES.map((r) => ({
      rule: r.id,
      reason: "liferaft's replication differs from Figure 2 by design (a heartbeat names the leader's last entry, not nextIndex - 1; one entry per AppendEntries; followers answer only entries; a repair walks back one entry per failure)",
    })),
  },
  async create(init) {
    const { id } = init;
    const disk = diskFor(id, init.persisted);
    const { Raft, Log } = loadLiferaft(() => init.random.next());
    let crashed = false;
    let forcing = false;
    const emit: typeof init.emit = (output) => {
      if (!crashed) init.emit(output);
    };
    const send = (to: NodeId, packet: LiferaftPacket | undefined, reply: boolean): void => {
      if (packet === undefined) return; // `write()`: an empty answer
      // liferaft answers a stale term with `write(raft.packet('error', …))`, not awaited: a
      // Promise, which no transport can send. It is carried, as what a JSON transport would send
      // ({}), and counted, so that it shows in every report.
      if (typeof (packet as { then?: unknown }).then === 'function') {
        emit({ messages: [{ unmodelled: { to, name: 'liferaft reply that is a Promise, not a packet', wire: { reply, packet: {} } } }] });
        return;
      }
      emit({ messages: [outgoing(id, to, JSON.parse(JSON.stringify(packet)) as LiferaftPacket, reply)] });
    };

    const raft: LiferaftRaft = new Raft(id, {
      'election min': init.config.electionTimeout.min,
      'election max': init.config.electionTimeout.max,
      heartbeat: init.config.heartbeatInterval,
      Log,
      adapter: () => memoryLeveldown(disk, (task) => void init.runtime.timers.setImmediate(task)),
    });
    for (const peer of init.members) if (peer !== id) raft.join(peer, (packet) => send(peer, packet, false));

    // Campaigns liferaft starts on its own (promote() raises the term as a candidate); a leader's beat.
    raft.on('term change', () => {
      if (raft.state === Raft.CANDIDATE && !forcing) emit({ fired: ['election'] });
    });
    raft.on('heartbeat', () => emit({ fired: ['heartbeat'] }));

    let log: readonly Entry[] = [];
    let logVersion = -1;
    const entries = (): readonly Entry[] => {
      if (disk.version !== logVersion) {
        log = entriesOf(disk.sorted(), id);
        logVersion = disk.version;
      }
      return log;
    };

    // Client requests this node took as leader, answered when it applies their entry.
    const pending = new Set<string>();
    raft.on('commit', (command: unknown) => {
      if (!isRequest(command) || !pending.delete(`${command.client}#${command.requestId}`)) return;
      const current = entries();
      const at = current.findIndex((e) => isRequest(e.command) && e.command.client === command.client && e.command.requestId === command.requestId);
      let value = INITIAL_VALUE;
      let result: 'ok' | 'cas_failed' = 'ok';
      for (let i = 0; i <= at; i++) ({ value, result } = applyCommand(value, current[i]!.command));
      const answer: ClientResult = command.type === 'get' ? { status: 'ok', value } : result === 'cas_failed' ? { status: 'cas_failed', value } : { status: 'ok' };
      const reply: ClientReply = { client: command.client, requestId: command.requestId, result: answer };
      emit({ replies: [reply] });
    });

    const role = (): Role => (raft.state === Raft.LEADER ? 'leader' : raft.state === Raft.CANDIDATE ? 'candidate' : 'follower');

    return {
      start: () => undefined, // liferaft armed its timer when it was created
      deliver: (d) => {
        const wire = 'msg' in d ? d.wire : d.unmodelled.wire;
        if (!isWire(wire)) throw new Error(`node ${id}: a message without its liferaft packet (only liferaft nodes talk to liferaft nodes)`);
        const from = 'msg' in d ? d.msg.from : d.unmodelled.from;
        if (wire.reply) raft.emit('data', wire.packet);
        else raft.emit('data', wire.packet, (answer?: LiferaftPacket) => send(from, answer, true));
      },
      timeout: async (timer) => {
        if (timer !== 'election' || raft.state === Raft.LEADER) return;
        forcing = true;
        const campaign = raft.promote();
        forcing = false;
        await campaign;
      },
      client: async ({ client, requestId, op }) => {
        const notLeader = { replies: [{ client, requestId, result: { status: 'not_leader' as const, leaderHint: raft.leader || null } }] };
        if (raft.state !== Raft.LEADER) return notLeader;
        pending.add(`${client}#${requestId}`);
        await raft.command({ ...op, client, requestId });
        return undefined;
      },
      observe: (): Observation => {
        const commitIndex = raft.log?.committedIndex ?? 0;
        const log = entries();
        // liferaft never lowers its commit index, and can delete entries below it (docs/LIFERAFT.md): say so, rather than report a state no Raft node can be in.
        if (commitIndex > log.length) throw new Error(`node ${id}: liferaft's commit index ${commitIndex} is beyond its log (${log.length} entries): it deleted entries it had committed`);
        return { role: role(), term: raft.term, votedFor: raft.votes.for, commitIndex, log };
      },
      crash: () => {
        crashed = true;
        raft.timers?.end();
        disks.set(id, disk);
        // liferaft keeps term and vote in memory only: a restart begins at term 0 with no vote.
        return { term: 0, votedFor: null, log: [...entries()] };
      },
      dispose: () => {
        crashed = true;
        raft.timers?.end();
      },
    };
  },
});
