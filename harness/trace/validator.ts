/**
 * The ajv validator of one trace line, compiled once from the generated JSON Schema. With
 * `discriminator: true` a bad line yields one error for the branch its `kind` selects.
 */
import Ajv2020 from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { buildTraceJsonSchema } from '../../src/trace/json-schema.js';
import type { TraceLine } from '../../src/trace/schema.js';

let compiled: ValidateFunction<TraceLine> | undefined;

export function traceLineValidator(): ValidateFunction<TraceLine> {
  if (!compiled) {
    const ajv = new Ajv2020.default({ discriminator: true, strict: true, allErrors: false });
    compiled = ajv.compile<TraceLine>(buildTraceJsonSchema());
  }
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
