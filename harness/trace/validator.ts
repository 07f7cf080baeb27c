/**
 * The ajv validator of one trace line, compiled from the published JSON Schema. With
 * `discriminator: true` a bad line yields one error for the branch its `kind` selects.
 *
 * The schema is spec/trace.schema.json rather than built from the TypeBox definitions
 * (loading TypeBox costs more than the rest of `raftcheck validate`'s start-up), and
 * test/spec-files.test.ts keeps that file equal to what the definitions generate. From the
 * sources the validator is compiled on first use; the build (tools/build.ts) compiles the
 * same schema with the same options ahead of time into dist/trace-line-validator.cjs, which
 * loads in a fraction of the time that loading ajv and compiling takes.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ErrorObject, Options, ValidateFunction } from 'ajv';
import type { TraceLine } from '../../src/trace/schema.js';
import { packageRoot } from '../package-root.js';
import { RUNNING_FROM_SOURCES } from '../running-from-sources.js';

/** The ajv options of the trace line validator, however it is compiled. */
export const TRACE_AJV_OPTIONS = { discriminator: true, strict: true, allErrors: false } as const satisfies Options;

/** The built validator's file name, beside the built modules in dist/. */
export const PRECOMPILED_VALIDATOR = 'trace-line-validator.cjs';

type Ajv2020 = (typeof import('ajv/dist/2020.js'))['default'];

const require = createRequire(import.meta.url);

export function readTraceSchema(): object {
  return JSON.parse(fs.readFileSync(path.join(packageRoot(), 'spec/trace.schema.json'), 'utf8')) as object;
}

/** An ajv 2020 instance with the validator's options (plus `extra`: the build asks for the code). */
export function traceAjv(extra: Options = {}): InstanceType<Ajv2020> {
  // Required here, not imported: the built CLI never loads ajv's compiler.
  const Ajv = require('ajv/dist/2020.js') as Ajv2020;
  return new Ajv({ ...TRACE_AJV_OPTIONS, ...extra });
}

let compiled: ValidateFunction<TraceLine> | undefined;

export function traceLineValidator(): ValidateFunction<TraceLine> {
  compiled ??= RUNNING_FROM_SOURCES ? traceAjv().compile<TraceLine>(readTraceSchema()) : (require(`./${PRECOMPILED_VALIDATOR}`) as ValidateFunction<TraceLine>);
  return compiled;
}

/** A field path and a message for the most useful of ajv's errors. */
export function describeSchemaError(errors: readonly ErrorObject[] | null | undefined): { path: string; message: string } {
  const e = errors?.[0];
  if (!e) return { path: '/', message: 'does not match the schema' };
  // A union of constants (role, timer, ...): name every allowed value, not just the first branch's.
  const union = errors.find((x) => x.keyword === 'anyOf' && x.instancePath === e.instancePath);
  if (union) {
    const allowed = errors.filter((x) => x.keyword === 'const' && x.instancePath === e.instancePath).map((x) => JSON.stringify(x.params.allowedValue));
    const types = errors.filter((x) => x.keyword === 'type' && x.instancePath === e.instancePath).map((x) => String(x.params.type));
    const path = e.instancePath === '' ? '/' : e.instancePath;
    if (allowed.length > 1 && types.length === 0) return { path, message: `must be one of ${allowed.join(', ')}` };
    if (types.length > 1 && allowed.length === 0) return { path, message: `must be ${types.join(' or ')}` };
  }
  const path = e.instancePath === '' ? '/' : e.instancePath;
  switch (e.keyword) {
    case 'additionalProperties':
      return { path: `${e.instancePath}/${String(e.params.additionalProperty)}`, message: 'unknown field' };
    case 'required':
      return { path: `${e.instancePath}/${String(e.params.missingProperty)}`, message: 'required field is missing' };
    case 'discriminator': {
      const tag = String(e.params.tag);
      const value = e.params.tagValue;
      return value === undefined
        ? { path: `${e.instancePath}/${tag}`, message: `required field is missing` }
        : { path: `${e.instancePath}/${tag}`, message: `unknown ${tag} ${JSON.stringify(value)}` };
    }
    case 'const':
      return { path, message: `must be ${JSON.stringify(e.params.allowedValue)}` };
    case 'maximum':
      return { path, message: `must be at most ${String(e.params.limit)} (numbers beyond 2^53 - 1 cannot be represented exactly)` };
    default:
      return { path, message: e.message ?? 'does not match the schema' };
  }
}
