/**
 * Builds the published JSON Schema (2020-12) of trace format v1 from the TypeBox definitions.
 *
 * Two rewrites make the schema readable and ajv's errors precise:
 * - named sub-schemas are hoisted into `$defs` and referenced with `$ref`;
 * - tagged unions become `oneOf` + `discriminator`, so a bad line yields one error for the
 *   branch its tag selects rather than one per branch.
 */
import * as S from './schema.js';
import type { TSchema } from '@sinclair/typebox';

export const TRACE_SCHEMA_ID = 'https://raftcheck.dev/spec/trace.schema.json';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type NamedSchemas = ReadonlyArray<readonly [string, TSchema]>;

/** Definitions to hoist, in the order they appear in `$defs`. Larger (outer) ones first. */
const NAMED: NamedSchemas = [
  ['Header', S.HeaderEvent],
  ['Message', S.Message],
  ['RequestVote', S.RequestVote],
  ['RequestVoteResponse', S.RequestVoteResponse],
  ['AppendEntries', S.AppendEntries],
  ['AppendEntriesResponse', S.AppendEntriesResponse],
  ['PreVote', S.PreVote],
  ['PreVoteResponse', S.PreVoteResponse],
  ['TimeoutNow', S.TimeoutNow],
  ['Heartbeat', S.Heartbeat],
  ['HeartbeatResponse', S.HeartbeatResponse],
  ['NodeState', S.NodeState],
  ['PersistentState', S.PersistentState],
  ['Entry', S.Entry],
  ['Command', S.Command],
  ['Operation', S.Operation],
  ['ClientResult', S.ClientResult],
  ['RegisterState', S.RegisterState],
  ['RegisterValue', S.RegisterValue],
  ['Role', S.Role],
  ['Feature', S.Feature],
  ['NodeId', S.NodeId],
];

/** Plain JSON copy (drops TypeBox's symbol keys). */
function plain(schema: TSchema): Json {
  return JSON.parse(JSON.stringify(schema)) as Json;
}

function isObject(x: Json): x is { [key: string]: Json } {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Turn the `anyOf` of a tagged union into `oneOf` + `discriminator`. */
function discriminate(node: Json, tag: string): Json {
  if (!isObject(node) || !Array.isArray(node.anyOf)) throw new Error(`expected a union to discriminate on ${tag}`);
  const { anyOf, ...rest } = node;
  return { ...rest, type: 'object', discriminator: { propertyName: tag }, oneOf: anyOf };
}

/** Replace every subtree equal to a named definition (other than `self`) with a `$ref`. */
function hoist(node: Json, keys: Map<string, string>, self: string | null): Json {
  if (Array.isArray(node)) return node.map((child) => hoist(child, keys, self));
  if (!isObject(node)) return node;
  const name = keys.get(JSON.stringify(node));
  if (name !== undefined && name !== self) return { $ref: `#/$defs/${name}` };
  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(node)) out[key] = hoist(value, keys, self);
  return out;
}

/** Rewrite every tagged union (wherever it is nested) into its discriminated form. */
function discriminateAll(node: Json, tags: Map<string, string>): Json {
  if (Array.isArray(node)) return node.map((child) => discriminateAll(child, tags));
  if (!isObject(node)) return node;
  const tag = tags.get(JSON.stringify(node));
  const here = tag === undefined ? node : discriminate(node, tag);
  if (!isObject(here)) return here;
  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(here)) out[key] = discriminateAll(value, tags);
  return out;
}

/** A published JSON Schema (2020-12) of `root`: named sub-schemas hoisted, tagged unions discriminated. */
export function buildJsonSchema(spec: {
  root: TSchema;
  named: NamedSchemas;
  discriminators: ReadonlyArray<readonly [TSchema, string]>;
  id: string;
  title: string;
  description: string;
}): { [key: string]: Json } {
  const tags = new Map<string, string>(spec.discriminators.map(([schema, tag]) => [JSON.stringify(plain(schema)), tag]));
  const prepare = (schema: TSchema): Json => discriminateAll(plain(schema), tags);
  // Keys are computed on the un-hoisted form, which is what appears inside other schemas.
  const keys = new Map<string, string>();
  for (const [name, schema] of spec.named) keys.set(JSON.stringify(prepare(schema)), name);

  const defs: { [key: string]: Json } = {};
  for (const [name, schema] of spec.named) defs[name] = hoist(prepare(schema), keys, name);
  const root = hoist(prepare(spec.root), keys, null);
  if (!isObject(root)) throw new Error(`${spec.title}: the root schema must be an object`);
  return { $schema: 'https://json-schema.org/draft/2020-12/schema', $id: spec.id, title: spec.title, description: spec.description, ...root, $defs: defs };
}

export function buildTraceJsonSchema(): { [key: string]: Json } {
  return buildJsonSchema({
    root: S.TraceLine,
    named: NAMED,
    discriminators: S.DISCRIMINATORS,
    id: TRACE_SCHEMA_ID,
    title: `raftcheck trace format v${S.TRACE_VERSION}: one JSON object per line`,
    description:
      'A trace is JSON Lines. The first line is a header; every other line is one event. ' +
      'See spec/TRACE_FORMAT.md. Absent optional fields are unconstrained, never wrong.',
  });
}

/** The schema as committed in spec/trace.schema.json (stable formatting, trailing newline). */
export function renderTraceJsonSchema(): string {
  return JSON.stringify(buildTraceJsonSchema(), null, 2) + '\n';
}
