/**
 * An implementation in any language, one process per node, spoken to in the driver protocol
 * (spec/DRIVER.md, protocol.ts): each adapter call is one request line on the node's stdin,
 * answered by one reply line on its stdout.
 *
 * Whatever the process does wrong becomes a verdict naming the node and the request, with
 * the last lines of its stderr: a reply that is not JSON or breaks the schema
 * (`driver.protocol`), an `error` reply (`driver.error`), no reply in time (`driver.timeout`),
 * an exit (`driver.crash`), too much output (`driver.flood`), a program that does not start
 * (`driver.spawn`). The process is killed with the verdict.
 */
import Ajv2020 from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { createRandom } from '../../../src/random.js';
import { DEFAULT_NODE_CONFIG, type ConfigChange, type MessageBody, type NodeId, type PersistentState, type TimerName } from '../../../src/raft/types.js';
import { unknownSkipRule, type SkipRule } from '../../checker/skip-rules.js';
import type { ImplementationProfile } from '../../simulator/cluster.js';
import { describeSchemaError } from '../../trace/validator.js';
import type { AdapterDefinition, AdapterInit, ClientRequest, Delivery, NodeUnderTest, Observation, Output, Outgoing } from '../adapter.js';
import { unknownFeature } from '../features.js';
import { splitCommandLine } from './command-line.js';
import { ProcessHost } from './host.js';
import { buildDriverJsonSchema, DRIVER_PROTOCOL, FEATURE_MESSAGE_TYPES, DRIVER_SCHEMA_ID, DRIVER_VERSION, type InMessage, type Reply, type Request } from './protocol.js';

export const DRIVER_RULES = [
  { id: 'driver.spawn', statement: 'The node program starts.' },
  { id: 'driver.protocol', statement: 'Every reply is one line of JSON that matches spec/driver.schema.json and answers the request it follows.' },
  { id: 'driver.error', statement: 'The node does not answer a request with an error.' },
  { id: 'driver.timeout', statement: 'The node answers every request within the reply timeout.' },
  { id: 'driver.crash', statement: 'The node process does not exit while the harness drives it.' },
  { id: 'driver.flood', statement: 'The node writes no line longer than the line limit, and nothing that answers no request.' },
] as const;
export type DriverRule = (typeof DRIVER_RULES)[number]['id'];

/** A verdict against an external node; run-schedule reports it under its rule. */
export class DriverError extends Error {
  override name = 'DriverError';
  /**
   * @param usage the user's mistake rather than a finding when it happens before a campaign
   *   (a program that does not start, a declaration naming what raftcheck does not know):
   *   the command line turns it into a usage error.
   */
  constructor(readonly rule: DriverRule, message: string, readonly usage = false) {
    super(message);
  }
}

/** What a node declares in its reply to `init`: the rules that do not apply to it, its features. */
export interface Declaration {
  skipRules: SkipRule[];
  features: string[];
}

export interface ProcessAdapterOptions {
  /** How long a node may take to answer one request (default 5 s). */
  replyTimeoutMs?: number;
  /** Longest reply line accepted (default 4 MiB). */
  maxLineBytes?: number;
}

export const DEFAULT_REPLY_TIMEOUT_MS = 5000;
const DEFAULT_MAX_LINE_BYTES = 4 * 1024 * 1024;

let replyValidator: ValidateFunction<Reply> | undefined;
function validateReply(): ValidateFunction<Reply> {
  if (!replyValidator) {
    const ajv = new Ajv2020.default({ discriminator: true, strict: true, allErrors: false });
    ajv.addSchema(buildDriverJsonSchema());
    replyValidator = ajv.getSchema<Reply>(`${DRIVER_SCHEMA_ID}#/$defs/Reply`)!;
  }
  return replyValidator;
}

/** Last lines of a node's stderr, for a verdict. */
function tail(stderr: string): string {
  const lines = stderr.trimEnd().split('\n').slice(-5);
  return lines.length && lines[0] !== '' ? `; its stderr ends with:\n    ${lines.join('\n    ')}` : '';
}

/** Equality of JSON values, whatever the order of object keys. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** How the state `observe` reports differs from the one `init` reported (the first key that differs), or null. */
export function observeDifference(init: Record<string, unknown>, seen: Record<string, unknown>): string | null {
  for (const key of Object.keys(init)) {
    if (!Object.hasOwn(seen, key)) return `its state lacks "${key}", which its reply to init has: observe must report the state of the init reply, with the same keys`;
    if (!sameJson(init[key], seen[key])) return `its state has "${key}": ${JSON.stringify(seen[key])}, not ${JSON.stringify(init[key])} as in its reply to init: observe must change nothing`;
  }
  for (const key of Object.keys(seen)) {
    if (!Object.hasOwn(init, key)) return `its state has "${key}", which its reply to init does not: observe must report the state of the init reply, with the same keys`;
  }
  return null;
}

function describeRequest(r: Request): string {
  switch (r.type) {
    case 'deliver':
      return `request ${r.id} (deliver ${r.message.type === 'Other' ? r.message.name : r.message.type} from ${r.message.from})`;
    case 'timeout':
      return `request ${r.id} (${r.timer} timeout)`;
    case 'client':
      return `request ${r.id} (client ${r.client} ${r.op.type})`;
    case 'reconfigure':
      return `request ${r.id} (reconfigure ${r.change} ${r.server})`;
    default:
      return `request ${r.id} (${r.type})`;
  }
}

/** Whether a node's declaration may stand: null, or why not (it differs from the first node's). */
type DeclarationCheck = (declaration: Declaration) => string | null;

/** Request fields the node does not choose: the id and the time are set as each request is sent. */
type WithoutStamp<R> = R extends unknown ? Omit<R, 'id' | 'now'> : never;
type RequestBody = WithoutStamp<Request>;

class ProcessNode implements NodeUnderTest {
  private nextId = 0;
  private state: Observation;
  private readonly initOutput: Output;
  readonly tickMs?: number;
  private readonly now: () => number;
  /** The features the node declared at init: it may send the messages of those only. */
  private readonly features: readonly string[];

  constructor(private readonly host: ProcessHost, private readonly key: string, private readonly id: NodeId, private readonly members: readonly NodeId[], private readonly options: Required<ProcessAdapterOptions>, init: AdapterInit, accept: DeclarationCheck) {
    this.now = init.now ?? (() => 0);
    const reply = this.request({
      type: 'init', protocol: DRIVER_PROTOCOL, version: DRIVER_VERSION, node: id, members: [...members],
      config: {
        electionTimeoutMin: init.config.electionTimeout.min, electionTimeoutMax: init.config.electionTimeout.max,
        heartbeatInterval: init.config.heartbeatInterval, maxEntriesPerMessage: init.config.maxEntriesPerMessage,
        // Revision 1.1: only in runs with the feature, i.e. to a node that declares it (a driver that does not never sees them).
        ...(init.config.features?.includes('snapshot') ? { snapshotEvery: init.config.snapshotEvery ?? 0 } : {}),
        ...(init.config.features?.includes('membership')
          ? { voters: [...(init.config.configuration?.voters ?? members)], learners: [...(init.config.configuration?.learners ?? [])] }
          : {}),
      },
      persisted: init.persisted ?? null,
      seed: init.random.int(0, 2 ** 31 - 1),
    });
    this.state = reply.state!;
    this.features = reply.features ?? [];
    this.initOutput = this.output(reply);
    if (reply.tickMs !== undefined) this.tickMs = reply.tickMs;
    this.checkDeclaration({ skipRules: reply.skipRules ?? [], features: reply.features ?? [] }, accept);
    // `observe` must change nothing: asked right away, it reports the state init reported.
    const seen = this.request({ type: 'observe' });
    const difference = observeDifference(reply.state!, seen.state!);
    if (difference) {
      this.host.kill(this.key);
      throw new DriverError('driver.protocol', `node ${id}, request ${this.nextId} (observe): ${difference}`);
    }
  }

  /** Rules to skip and features must be ones raftcheck knows, and the same on every node. */
  private checkDeclaration(declaration: Declaration, accept: DeclarationCheck): void {
    const rule = unknownSkipRule(declaration.skipRules);
    const feature = unknownFeature(declaration.features);
    const problem = rule ? `skipRules/${rule.index}: ${rule.message}` : feature ? `features/${feature.index}: ${feature.message}` : accept(declaration);
    if (problem === null) return;
    this.host.kill(this.key);
    throw new DriverError('driver.protocol', `node ${this.id}, request 1 (init): ${problem}`, true);
  }

  private request(body: RequestBody): Reply {
    const request = { id: ++this.nextId, now: this.now(), ...body } as Request;
    const what = `node ${this.id}, ${describeRequest(request)}`;
    const answer = this.host.request(this.key, JSON.stringify(request), this.options.replyTimeoutMs);
    const fail = (rule: DriverRule, message: string): never => {
      const stderr = this.host.kill(this.key);
      throw new DriverError(rule, `${what}: ${message}${tail(stderr || answer?.stderr || '')}`);
    };
    if (!answer) return fail('driver.timeout', `no reply within ${this.options.replyTimeoutMs / 1000} s`);
    if (!answer.ok) {
      const rule: DriverRule = answer.error === 'flood' ? 'driver.flood' : answer.error === 'unsolicited' ? 'driver.protocol' : 'driver.crash';
      return fail(rule, `the process ${answer.message ?? 'failed'}`);
    }
    let value: unknown;
    try {
      value = JSON.parse(answer.line!);
    } catch (error) {
      return fail('driver.protocol', `the reply is not JSON (${(error as Error).message}): ${JSON.stringify(answer.line!.slice(0, 200))}`);
    }
    if (!validateReply()(value)) {
      const e = describeSchemaError(validateReply().errors);
      return fail('driver.protocol', `the reply breaks spec/driver.schema.json at ${e.path}: ${e.message}`);
    }
    const reply = value;
    if (reply.id !== request.id) {
      // A late second reply to an earlier request reads like one: say what it most likely is.
      return fail('driver.protocol', reply.id < request.id ? `wrote a line that answers no request (a second reply to request ${reply.id})` : `the reply answers request ${reply.id}, not ${request.id}`);
    }
    if (reply.error !== undefined) return fail('driver.error', `the node answered with an error: ${reply.error}`);
    if (request.type === 'crash' ? !reply.persisted : !reply.state) {
      return fail('driver.protocol', `the reply has no "${request.type === 'crash' ? 'persisted' : 'state'}" field`);
    }
    for (const m of reply.messages ?? []) {
      if (!this.members.includes(m.to) || m.to === this.id) return fail('driver.protocol', `a message to "${m.to}", which is not another member (${this.members.join(', ')})`);
      if (m.from !== undefined && m.from !== this.id) return fail('driver.protocol', `a message from "${m.from}": messages must come from the node itself`);
    }
    if (request.type !== 'init') {
      const initOnly = (['tickMs', 'skipRules', 'features'] as const).find((k) => reply[k] !== undefined);
      if (initOnly) return fail('driver.protocol', `"${initOnly}" is only allowed in the reply to init`);
    }
    if (request.type !== 'crash') this.state = reply.state!;
    return reply;
  }

  private output(reply: Reply): Output {
    for (const m of reply.messages ?? []) {
      const feature = FEATURE_MESSAGE_TYPES[m.type];
      if (feature !== undefined && !this.features.includes(feature)) {
        this.host.kill(this.key);
        throw new DriverError('driver.protocol', `node ${this.id}, request ${this.nextId}: a ${m.type} message, of the feature '${feature}', which it did not declare in its reply to init (features)`);
      }
    }
    if (reply.snapshots !== undefined && !this.features.includes('snapshot')) {
      this.host.kill(this.key);
      throw new DriverError('driver.protocol', `node ${this.id}, request ${this.nextId}: "snapshots", of the feature 'snapshot', which it did not declare in its reply to init (features)`);
    }
    const messages: Outgoing[] = (reply.messages ?? []).map((m) => {
      if (m.type === 'Other') return { unmodelled: { to: m.to, name: m.name, ...(m.term !== undefined ? { term: m.term } : {}), wire: m.data } };
      const { data, ...fields } = m;
      const msg = { ...fields, from: this.id } as MessageBody;
      return data === undefined ? { msg } : { msg, wire: data };
    });
    return {
      messages,
      ...(reply.replies ? { replies: reply.replies } : {}),
      ...(reply.timers ? { timers: reply.timers as Partial<Record<TimerName, number | null>> } : {}),
      ...(reply.fired ? { fired: reply.fired } : {}),
      ...(reply.truncatedFrom !== undefined ? { truncatedFrom: reply.truncatedFrom } : {}),
      ...(reply.snapshots ? { snapshots: reply.snapshots } : {}),
    };
  }

  start(): Output {
    return this.initOutput;
  }

  deliver(d: Delivery): Output {
    const message: InMessage = 'msg' in d
      ? ({ ...d.msg, ...(d.wire !== undefined ? { data: d.wire } : {}) } as InMessage)
      : { type: 'Other', name: d.unmodelled.name, from: d.unmodelled.from, to: this.id, ...(d.unmodelled.term !== undefined ? { term: d.unmodelled.term } : {}), data: d.unmodelled.wire };
    return this.output(this.request({ type: 'deliver', message }));
  }

  timeout(timer: TimerName): Output {
    // A driver arms the base timers only (its lease and quorum check run on its own clock, `now`).
    if (timer !== 'election' && timer !== 'heartbeat') return {};
    return this.output(this.request({ type: 'timeout', timer }));
  }

  tick(): Output {
    return this.output(this.request({ type: 'tick' }));
  }

  client(r: ClientRequest): Output {
    return this.output(this.request({ type: 'client', client: r.client, requestId: r.requestId, op: r.op }));
  }

  transfer(target: NodeId): Output {
    return this.output(this.request({ type: 'transfer', target }));
  }

  reconfigure(change: ConfigChange, server: NodeId): Output {
    return this.output(this.request({ type: 'reconfigure', change, server }));
  }

  observe(): Observation {
    return this.state;
  }

  /** Asks the node what it persisted, then kills it: a crash loses everything else. */
  crash(): PersistentState {
    const reply = this.request({ type: 'crash' });
    this.host.kill(this.key);
    return reply.persisted!;
  }

  dispose(): void {
    this.host.kill(this.key);
  }
}

function profileOf(d: Declaration): ImplementationProfile | undefined {
  if (d.skipRules.length === 0 && d.features.length === 0) return undefined;
  return { ...(d.skipRules.length ? { skipRules: d.skipRules } : {}), ...(d.features.length ? { features: d.features } : {}) };
}

/**
 * An implementation whose nodes are processes started from `commandLine` (no shell).
 *
 * Its profile is what the program declares in its reply to `init` (`skipRules`, `features`):
 * the first node started fixes it, and every later node must declare the same. A run records
 * its skip list in the trace header before any node starts, so reading the profile before
 * any node has been started starts one to ask (and stops it).
 */
export function processAdapter(commandLine: string, options: ProcessAdapterOptions = {}): AdapterDefinition | { error: string } {
  const argv = splitCommandLine(commandLine);
  if ('error' in argv) return { error: `cannot parse the command line: ${argv.error}` };
  const [file, ...args] = argv;
  const settings = { replyTimeoutMs: options.replyTimeoutMs ?? DEFAULT_REPLY_TIMEOUT_MS, maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES };
  let declared: Declaration | null = null;
  let asked = false;
  const accept: DeclarationCheck = (d) => {
    if (declared === null) {
      declared = d;
      return null;
    }
    return sameJson(d, declared) ? null : `declares ${JSON.stringify(d)}, unlike the first node started (${JSON.stringify(declared)}): every node must declare the same skipRules and features`;
  };
  const definition: AdapterDefinition = {
    name: `cmd:${commandLine}`,
    create(init) {
      const host = ProcessHost.get();
      const started = host.spawn(file!, args, settings.maxLineBytes, settings.replyTimeoutMs);
      if ('error' in started) throw new DriverError('driver.spawn', `node ${init.id}: cannot start ${JSON.stringify(commandLine)}: ${started.error}`, true);
      return new ProcessNode(host, started.key, init.id, init.members, settings, init, accept);
    },
    get profile(): ImplementationProfile | undefined {
      if (declared === null && !asked) {
        asked = true;
        try {
          definition.create({ id: 'n1', members: ['n1', 'n2', 'n3'], config: { ...DEFAULT_NODE_CONFIG, id: 'n1', members: ['n1', 'n2', 'n3'] }, random: createRandom(0), now: () => 0 }).dispose?.();
        } catch {
          // A node that cannot answer init declares nothing; the run's first node meets the same problem and reports it, with its trace.
        }
      }
      return declared === null ? undefined : profileOf(declared);
    },
  };
  return definition;
}
