/**
 * Simulated clients, Jepsen-style: each has at most one operation outstanding. It sends to the
 * node it believes leads, follows `not_leader` hints with a new request, and gives up on an
 * operation that gets no answer within its timeout (that operation's outcome is unknown: it may
 * still take effect) before moving on to the next one.
 */
import type { Random } from '../../src/random.js';
import type { Operation } from '../../src/trace/schema.js';
import type { Cluster, ClientResponse } from './cluster.js';

export interface ClientOptions {
  count: number;
  /** Pause between operations, ms. */
  think: { min: number; max: number };
  /** Give up on an unanswered operation after this long, ms. */
  timeout: number;
  /** Stop issuing new operations after this time, ms. */
  until: number;
}

export const DEFAULT_CLIENTS: Omit<ClientOptions, 'count' | 'until'> = { think: { min: 20, max: 120 }, timeout: 1000 };

export interface ClientStats {
  invoked: number;
  ok: number;
  casFailed: number;
  notLeader: number;
  unknown: number;
}

interface ClientState {
  id: string;
  nextRequest: number;
  /** The request id awaiting an answer, and its operation. */
  outstanding: number | null;
  op: Operation | null;
  leaderGuess: string;
}

export function randomOperation(random: Random): Operation {
  const roll = random.next();
  if (roll < 0.4) return { type: 'set', value: random.int(1, 5) };
  if (roll < 0.8) return { type: 'get' };
  const expected = random.chance(0.2) ? null : random.int(1, 5);
  return { type: 'cas', expected, value: random.int(1, 5) };
}

export function startClients(cluster: Cluster, random: Random, options: ClientOptions): ClientStats {
  const stats: ClientStats = { invoked: 0, ok: 0, casFailed: 0, notLeader: 0, unknown: 0 };
  const clients = new Map<string, ClientState>();

  const issue = (c: ClientState, op: Operation): void => {
    if (cluster.time > options.until) return;
    const requestId = c.nextRequest++;
    c.outstanding = requestId;
    c.op = op;
    stats.invoked++;
    cluster.at(cluster.time + options.timeout, () => {
      if (c.outstanding !== requestId) return;
      c.outstanding = null;
      stats.unknown++;
      c.leaderGuess = random.pick(cluster.ids); // the guess was wrong or the node is down
      scheduleNext(c);
    });
    cluster.clientRequest(c.leaderGuess, c.id, requestId, op);
  };

  const scheduleNext = (c: ClientState): void => {
    cluster.at(cluster.time + random.int(options.think.min, options.think.max), () => issue(c, randomOperation(random)));
  };

  cluster.onClientResponse((r: ClientResponse) => {
    const c = clients.get(r.client);
    if (!c || c.outstanding !== r.requestId) return;
    c.outstanding = null;
    const result = r.result;
    if (result.status === 'not_leader') {
      // Not applied: send the same operation again, as a new request, where the hint points.
      stats.notLeader++;
      const others = cluster.ids.filter((id) => id !== r.node);
      c.leaderGuess = result.leaderHint ?? random.pick(others.length > 0 ? others : cluster.ids);
      const op = c.op!;
      // A hint is worth following at once; without one (an election is on), wait a little.
      const pause = result.leaderHint !== null ? 1 : random.int(options.think.min, options.think.max);
      cluster.at(cluster.time + pause, () => issue(c, op));
      return;
    }
    if (result.status === 'ok') stats.ok++;
    else stats.casFailed++;
    scheduleNext(c);
  });

  for (let i = 1; i <= options.count; i++) {
    const c: ClientState = { id: `c${i}`, nextRequest: 1, outstanding: null, op: null, leaderGuess: random.pick(cluster.ids) };
    clients.set(c.id, c);
    scheduleNext(c);
  }
  return stats;
}
