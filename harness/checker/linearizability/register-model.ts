/**
 * The sequential specification of the single-value register (get/set/cas), in the shape a
 * linearizability search needs: from a state, may this operation with this outcome happen,
 * and what is the state after it?
 */
import type { RegisterState } from '../../../src/trace/schema.js';
import type { HistoryOp } from './history.js';

export const INITIAL_REGISTER: RegisterState = null;

/** The state after `h` if `h` can be linearized at `state`, else `undefined`. */
export function stepRegister(state: RegisterState, h: HistoryOp): { next: RegisterState } | undefined {
  const { op, outcome } = h;
  switch (op.type) {
    case 'set':
      // An unknown set linearized here took effect here (never taking effect = linearized last).
      return { next: op.value };
    case 'get':
      if (outcome.status === 'unknown') return { next: state };
      return outcome.status === 'ok' && (outcome.value ?? null) === state ? { next: state } : undefined;
    case 'cas':
      if (outcome.status === 'ok') return state === op.expected ? { next: op.value } : undefined;
      if (outcome.status === 'cas_failed') return state !== op.expected ? { next: state } : undefined;
      return { next: state === op.expected ? op.value : state };
  }
}
