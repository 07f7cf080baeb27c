/**
 * The replicated state machine: a single-value register (the seed notes' "the node's value is
 * 5"), with set, get and compare-and-set.
 *
 * Reads go through the log like writes: a `get` is answered when its entry is applied, at its
 * position in the committed sequence. That makes every answered read linearizable — it
 * reflects exactly the writes committed before it — at the cost of a log entry per read
 * (a read-index optimisation, paper §8, is deliberately left out of the reference).
 */
import type { Command, RegisterState } from '../trace/schema.js';

export interface ApplyResult {
  value: RegisterState;
  result: 'ok' | 'cas_failed';
}

export const INITIAL_VALUE: RegisterState = null;

export function applyCommand(value: RegisterState, command: Command): ApplyResult {
  switch (command.type) {
    case 'set':
      return { value: command.value, result: 'ok' };
    case 'cas':
      return value === command.expected ? { value: command.value, result: 'ok' } : { value, result: 'cas_failed' };
    case 'get':
    case 'noop':
    case 'config': // feature `membership`: a configuration is not the register's
      return { value, result: 'ok' };
  }
}
