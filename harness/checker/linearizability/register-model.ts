/**
 * The sequential specification of the single-value register (get/set/cas), in the shape a
 * linearizability search needs: from a state, may this operation with this outcome happen,
 * and what is the state after it?
 */
import type { RegisterState } from '../../../src/trace/schema.js';
import type { HistoryOp } from './history.js';

export const INITIAL_REGISTER: RegisterState = null;

/** The state after `h` if `h` can take effect at `state`, else `undefined`. */
export function stepRegister(state: RegisterState, h: HistoryOp): { next: RegisterState } | undefined {
  const { op, outcome } = h;
  switch (op.type) {
    case 'set':
      // The register answers `cas_failed` only to a cas.
      return outcome.status === 'cas_failed' ? undefined : { next: op.value };
    case 'get':
      // A get with an unknown outcome read something nobody saw: any state will do.
      if (outcome.status === 'unknown') return { next: state };
      return outcome.status === 'ok' && (outcome.value ?? null) === state ? { next: state } : undefined;
    case 'cas':
      if (outcome.status === 'ok') return state === op.expected ? { next: op.value } : undefined;
      if (outcome.status === 'cas_failed') return state !== op.expected && (outcome.value === undefined || outcome.value === state) ? { next: state } : undefined;
      return { next: state === op.expected ? op.value : state };
  }
}
