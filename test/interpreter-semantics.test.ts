/**
 * The interpreter's semantics against XState's own, on a small chart that uses every feature
 * the interpreter replicates in combinations the Raft chart never needs: several raises in one
 * step, raises from entry actions, eventless transitions after raised events, chains of
 * eventless transitions, an eventless transition that stays put (it ends eventless selection),
 * guards that read the event, `reenter`, a self-target without `reenter`, exit and entry order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createActor, raise, setup } from 'xstate';
import { StatechartInterpreter } from '../src/raft/interpreter.js';
import { transitionInspector, type TakenTransition } from '../src/raft/transitions.js';

type Event = { type: 'GO'; n: number } | { type: 'X' } | { type: 'Y' } | { type: 'STAY' };
interface Context {
  log: string[];
}
type A = { context: Context; event: Event };

/** An action that records its name and the event it saw. */
const note = (name: string) => ({ context, event }: A) => void context.log.push(`${name}:${event.type}${'n' in event ? event.n : ''}`);

const toy = setup({
  types: { context: {} as Context, events: {} as Event, input: {} as Context },
  guards: {
    odd: ({ event }: A) => 'n' in event && event.n % 2 === 1,
    even: ({ event }: A) => 'n' in event && event.n % 2 === 0,
    evenLog: ({ context }: A) => context.log.length % 2 === 0,
    big: ({ event }: A) => 'n' in event && event.n > 5,
  },
  actions: {
    act: note('act'), enterA: note('enterA'), exitA: note('exitA'), enterB: note('enterB'), exitB: note('exitB'),
    enterC: note('enterC'), exitC: note('exitC'), stay: note('stay'),
    raiseX: raise({ type: 'X' }), raiseY: raise({ type: 'Y' }), again: raise(({ event }: A) => event),
  },
}).createMachine({
  context: ({ input }) => input,
  initial: 'a',
  states: {
    a: {
      entry: ['enterA'], exit: ['exitA'],
      on: {
        GO: [
          { guard: 'big', target: 'c', actions: ['act', 'raiseY'] },
          { guard: 'odd', target: 'b', actions: ['act', 'raiseX', 'raiseY'] },
          { target: 'a', reenter: true, actions: 'act' },
        ],
        X: { actions: 'act' },
        Y: { target: 'c', actions: 'act' },
        STAY: { target: 'a', actions: 'stay' },
      },
    },
    b: {
      entry: ['enterB'], exit: ['exitB'],
      always: [{ guard: 'evenLog', actions: 'act' }, { guard: 'odd', target: 'c' }],
      on: { X: { target: 'a', actions: 'act' }, Y: { actions: 'act' }, GO: { actions: ['raiseX', 'again'], guard: 'big' }, STAY: { target: 'b', reenter: true } },
    },
    c: {
      entry: ['enterC', 'raiseY'], exit: ['exitC'],
      always: { guard: 'even', target: 'a', actions: 'act' },
      on: { X: { target: 'b' }, GO: { target: 'c', reenter: true, actions: 'raiseX' }, Y: { actions: 'stay' }, STAY: { target: 'c' } },
    },
  },
});

const event: fc.Arbitrary<Event> = fc.oneof(
  fc.integer({ min: 0, max: 9 }).map((n): Event => ({ type: 'GO', n })),
  fc.constantFrom<Event>({ type: 'X' }, { type: 'Y' }, { type: 'STAY' }),
);

interface Observed {
  log: string[];
  taken: TakenTransition[];
  value: string;
}

function runActor(events: readonly Event[]): Observed[] {
  const context: Context = { log: [] };
  const taken: TakenTransition[] = [];
  const actor = createActor(toy, { input: context, inspect: transitionInspector((t) => void taken.push(t)) });
  const ctx = actor.getSnapshot().context;
  actor.start();
  const seen: Observed[] = [{ log: ctx.log.splice(0), taken: taken.splice(0), value: String(actor.getSnapshot().value) }];
  for (const e of events) {
    actor.send(e);
    seen.push({ log: ctx.log.splice(0), taken: taken.splice(0), value: String(actor.getSnapshot().value) });
  }
  return seen;
}

function runInterpreter(events: readonly Event[]): Observed[] {
  const context: Context = { log: [] };
  const taken: TakenTransition[] = [];
  const interpreter = new StatechartInterpreter<Context, Event>(toy, context, (t) => void taken.push(t));
  interpreter.start();
  const seen: Observed[] = [{ log: context.log.splice(0), taken: taken.splice(0), value: String(interpreter.value) }];
  for (const e of events) {
    interpreter.send(e);
    seen.push({ log: context.log.splice(0), taken: taken.splice(0), value: String(interpreter.value) });
  }
  return seen;
}

describe('the interpreter on a chart with every replicated feature', () => {
  it('does exactly what the XState actor does, over 500 random event sequences', () => {
    const transitions = new Set<string>();
    fc.assert(
      fc.property(fc.array(event, { maxLength: 40, size: 'max' }), (events) => {
        const actor = runActor(events);
        expect(runInterpreter(events)).toEqual(actor);
        for (const o of actor) for (const t of o.taken) transitions.add(`${t.from} ${t.event} ${t.position}`);
      }),
      { numRuns: 500, seed: 5 },
    );
    expect(transitions.size).toBe(17); // every transition of the toy chart
  });

  it('a worked example: raises queue in order, eventless transitions come before raised events, and one that stays put ends them', () => {
    const events: Event[] = [{ type: 'GO', n: 3 }];
    const [, step] = runInterpreter(events);
    expect(step).toEqual(runActor(events)[1]);
    expect(step!.log).toEqual([
      'exitA:GO3', 'act:GO3', 'enterB:GO3', // a → b on GO (odd), raising X then Y: exit, transition actions, entry
      'exitB:GO3', 'enterC:GO3', // b's eventless → c (the event is still GO 3; the log is odd), entering c raises Y
      'exitC:X', 'enterB:X', // the first raised event, X: c → b
      'act:Y', 'act:Y', // Y in b, then b's eventless `act` (the log is even): it stays in b, so eventless selection stops
      'act:Y', 'act:Y', // the second Y, the same again
    ]);
    expect(step!.taken.map((t) => `${t.from} ${t.event} ${t.position} ${t.to}`)).toEqual([
      'a GO 1 b', 'b (always) 1 c', 'c X 0 b', 'b Y 0 null', 'b (always) 0 null', 'b Y 0 null', 'b (always) 0 null',
    ]);
    expect(step!.value).toBe('b');
  });
});
