/**
 * What the network does with a message: deliver it after a delay (reordering follows from
 * independent delays), lose it, or deliver it twice. A network model is a policy the cluster
 * asks at send time; the random one here draws from the run's seed, a fuzzing schedule can
 * supply another. Partitions are the cluster's, checked at delivery time.
 */
import type { Random } from '../../src/random.js';

export type SendFate = { kind: 'deliver'; delays: number[] } | { kind: 'lose' };

export interface NetworkModel {
  /** Decides the fate of one message sent at `now` from `from` to `to`. */
  fate(from: string, to: string, now: number): SendFate;
}

export interface RandomNetworkOptions {
  /** Delay range in ms, uniform (default 1-10). */
  delay: { min: number; max: number };
  /** Probability that a message is lost. */
  drop: number;
  /** Probability that a message is delivered twice. */
  duplicate: number;
}

export const DEFAULT_NETWORK: RandomNetworkOptions = { delay: { min: 1, max: 10 }, drop: 0, duplicate: 0 };

export function randomNetwork(random: Random, options: RandomNetworkOptions = DEFAULT_NETWORK): NetworkModel {
  const { delay, drop, duplicate } = options;
  return {
    fate() {
      if (random.chance(drop)) return { kind: 'lose' };
      const first = random.int(delay.min, delay.max);
      return random.chance(duplicate) ? { kind: 'deliver', delays: [first, random.int(delay.min, delay.max)] } : { kind: 'deliver', delays: [first] };
    },
  };
}

/** Which directed links are cut. */
export class Partition {
  private readonly cut = new Set<string>();

  static groups(groups: readonly (readonly string[])[]): Partition {
    const p = new Partition();
    for (const a of groups) for (const b of groups) if (a !== b) for (const x of a) for (const y of b) p.cut.add(`${x}>${y}`);
    return p;
  }

  static links(links: ReadonlyArray<{ from: string; to: string }>): Partition {
    const p = new Partition();
    for (const l of links) p.cut.add(`${l.from}>${l.to}`);
    return p;
  }

  blocks(from: string, to: string): boolean {
    return this.cut.has(`${from}>${to}`);
  }

  get size(): number {
    return this.cut.size;
  }
}
