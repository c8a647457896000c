/**
 * zod schemas of the OpenAI tool-calling fields (wire/tools.ts types), used by
 * `POST /v1/chat/completions` (runtime/server/routes/openai.ts) and the LLM worker's `chat` job.
 *
 * {@link grammarSchema} turns a tool's JSON Schema `parameters` into the subset node-llama-cpp's
 * JSON-schema grammar understands (GbnfJsonSchema: type, properties, required, items, enum,
 * const, oneOf/anyOf, min/max length and items, additionalProperties) so calls can be
 * grammar-constrained; keywords it cannot enforce (pattern, minimum, format, title, default …)
 * are dropped, never rejected, because they only narrow what the grammar already allows.
 */
import { z } from 'zod';

/** A function name as OpenAI allows it: letters, digits, `_` and `-`, at most 64. */
export const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** One entry of `tools`. `parameters` is a JSON Schema object (validated by {@link grammarSchema}). */
export const toolDefinitionSchema = z.object({
  type: z.literal('function'),
  function: z.object({
    name: z.string().regex(TOOL_NAME, 'a tool name is 1–64 letters, digits, "_" or "-"'),
    description: z.string().max(8000).optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullable().optional(),
  }),
});

/** `tools`: 1–128 definitions with distinct names. */
export const toolsSchema = z
  .array(toolDefinitionSchema)
  .min(1)
  .max(128)
  .superRefine((tools, ctx) => {
    const seen = new Set<string>();
    tools.forEach((t, i) => {
      if (seen.has(t.function.name))
        ctx.addIssue({
          code: 'custom',
          path: [i, 'function', 'name'],
          message: `duplicate tool name "${t.function.name}"`,
        });
      seen.add(t.function.name);
      try {
        grammarSchema(t.function.parameters ?? { type: 'object', properties: {} });
      } catch (e) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'function', 'parameters'],
          message: (e as Error).message,
        });
      }
    });
  });

/** `tool_choice`: `none` | `auto` | `required` | a named function. */
export const toolChoiceSchema = z.union([
  z.enum(['none', 'auto', 'required']),
  z.object({ type: z.literal('function'), function: z.object({ name: z.string() }) }),
]);

/** An assistant message's `tool_calls` entry as a request may carry it back. */
export const toolCallSchema = z.object({
  id: z.string().min(1).max(200),
  type: z.literal('function').default('function'),
  function: z.object({ name: z.string().min(1).max(64), arguments: z.string().max(1_000_000) }),
});

/** A schema node node-llama-cpp's grammar accepts (structurally; its TS type is GbnfJsonSchema). */
export type GrammarSchema = { readonly [k: string]: unknown };

/**
 * Largest length/item bound kept: llama.cpp's GBNF parser refuses a repetition like
 * `{1,2000}` ("exceeds sane defaults"), so larger bounds are left to the caller's own
 * validation (the assistant's zod schemas) instead of the grammar.
 */
const MAX_REPEAT = 256;

const SCALARS = new Set(['string', 'number', 'integer', 'boolean', 'null']);

/**
 * The grammar-enforceable part of a JSON Schema (see the module comment).
 * @param schema a JSON Schema object (a tool's `parameters`)
 * @param at the path used in error messages
 * @throws Error naming the path when a node is not a schema the grammar can express: a
 *   non-object, an unknown `type`, `$ref` (not supported here), an empty `enum`.
 */
export function grammarSchema(schema: unknown, at = 'parameters', depth = 0): GrammarSchema {
  if (depth > 24) throw new Error(`${at}: the schema nests deeper than 24 levels`);
  if (schema === true || (isObj(schema) && Object.keys(schema).length === 0))
    return { type: ['string', 'number', 'boolean', 'null'] };
  if (!isObj(schema)) throw new Error(`${at}: a JSON Schema must be an object`);
  const s = schema;
  const description = typeof s.description === 'string' ? { description: s.description } : {};
  if ('$ref' in s) throw new Error(`${at}: "$ref" is not supported in tool parameters`);
  if ('const' in s) return { const: s.const, ...description };
  if ('enum' in s) {
    if (!Array.isArray(s.enum) || s.enum.length === 0)
      throw new Error(`${at}.enum: must be a non-empty array`);
    return { enum: s.enum, ...description };
  }
  const alts = (s.oneOf ?? s.anyOf) as unknown;
  if (alts !== undefined) {
    if (!Array.isArray(alts) || alts.length === 0)
      throw new Error(`${at}.oneOf: must be a non-empty array`);
    return {
      oneOf: alts.map((a, i) => grammarSchema(a, `${at}.oneOf.${i}`, depth + 1)),
      ...description,
    };
  }
  let type = s.type;
  if (type === undefined) type = 'properties' in s ? 'object' : 'items' in s ? 'array' : undefined;
  if (type === undefined) return { type: ['string', 'number', 'boolean', 'null'], ...description };
  if (Array.isArray(type)) {
    if (!type.every((t) => typeof t === 'string' && SCALARS.has(t)))
      throw new Error(`${at}.type: a list of types may only name scalar types`);
    return { type, ...description };
  }
  if (type === 'object') {
    const props = isObj(s.properties) ? s.properties : {};
    const properties: Record<string, GrammarSchema> = {};
    for (const [k, v] of Object.entries(props))
      properties[k] = grammarSchema(v, `${at}.properties.${k}`, depth + 1);
    const required = Array.isArray(s.required)
      ? s.required.filter((r): r is string => typeof r === 'string' && r in properties)
      : undefined;
    const additional =
      s.additionalProperties === true
        ? { additionalProperties: true }
        : isObj(s.additionalProperties)
          ? {
              additionalProperties: grammarSchema(
                s.additionalProperties,
                `${at}.additionalProperties`,
                depth + 1,
              ),
            }
          : {};
    return {
      type: 'object',
      properties,
      ...(required ? { required } : {}),
      ...additional,
      ...description,
    };
  }
  if (type === 'array') {
    const bounds = {
      ...(Number.isInteger(s.minItems) && (s.minItems as number) <= MAX_REPEAT
        ? { minItems: s.minItems }
        : {}),
      ...(Number.isInteger(s.maxItems) && (s.maxItems as number) <= MAX_REPEAT
        ? { maxItems: s.maxItems }
        : {}),
    };
    return {
      type: 'array',
      ...(s.items !== undefined ? { items: grammarSchema(s.items, `${at}.items`, depth + 1) } : {}),
      ...bounds,
      ...description,
    };
  }
  if (type === 'string') {
    return {
      type: 'string',
      ...(Number.isInteger(s.minLength) && (s.minLength as number) <= MAX_REPEAT
        ? { minLength: s.minLength }
        : {}),
      ...(Number.isInteger(s.maxLength) && (s.maxLength as number) <= MAX_REPEAT
        ? { maxLength: s.maxLength }
        : {}),
      ...description,
    };
  }
  if (typeof type === 'string' && SCALARS.has(type)) return { type, ...description };
  throw new Error(`${at}.type: unknown type ${JSON.stringify(type)}`);
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
