/**
 * @module translate/schema-clean: tool input schemas made digestible for local grammar engines.
 *
 * llama.cpp compiles tool schemas to GBNF and rejects unanchored `pattern` ("Pattern must start with
 * '^' and end with '$'") and huge `maxLength`s; LM Studio fails with "failed to parse grammar" on
 * Claude Code's tools; MLX-Textgen's Outlines chokes on unsupported keywords (protocol.md §7.8).
 * Only schema KEYWORDS are walked: the keys of a `properties` map are names, and Claude Code has
 * properties literally named `pattern`, `format`, `-A`.
 */

type Schema = Record<string, unknown>

/** Annotations and assertions no local grammar engine needs (`$defs` go once refs are inlined). */
const DROPPED = new Set([
  '$schema',
  '$id',
  '$comment',
  '$defs',
  'definitions',
  'examples',
  'format',
  'propertyNames',
  // Claude Code's Read.limit has `exclusiveMinimum: 0`; GBNF has no exclusive bounds.
  'exclusiveMinimum',
  'exclusiveMaximum',
])
/** Length bounds above this are dropped: Claude Code's Workflow.script has maxLength 524288. */
const LENGTH_BOUND = 256
const LENGTH_KEYWORDS = new Set(['maxLength', 'minLength', 'maxItems', 'minItems'])
/** Claude Code uses ±Number.MAX_SAFE_INTEGER; integer grammars overflow beyond 32 bits. */
const INT32 = 2 ** 31
const RANGE_KEYWORDS = new Set(['maximum', 'minimum'])
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'dependentSchemas', 'dependencies'])
const SCHEMA_VALUES = new Set([
  'items',
  'additionalProperties',
  'additionalItems',
  'unevaluatedProperties',
  'unevaluatedItems',
  'contains',
  'not',
  'if',
  'then',
  'else',
  'contentSchema',
])
const SCHEMA_LISTS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems'])

type Context = { root: unknown; expanding: Set<string> }

const isObject = (v: unknown): v is Schema =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

const isAnchored = (p: unknown): boolean =>
  typeof p === 'string' && p.startsWith('^') && p.endsWith('$') && !p.endsWith('\\$')

function keep(key: string, value: unknown): boolean {
  if (DROPPED.has(key)) return false
  if (key === 'pattern') return isAnchored(value)
  if (LENGTH_KEYWORDS.has(key)) return typeof value === 'number' && value <= LENGTH_BOUND
  if (RANGE_KEYWORDS.has(key)) return typeof value === 'number' && value >= -INT32 && value < INT32
  return true
}

function cleanKeyword(key: string, value: unknown, ctx: Context): unknown {
  if (SCHEMA_MAPS.has(key) && isObject(value)) {
    const out: Schema = {}
    // `dependencies` (draft 7) mixes schemas with string arrays; cleanNode leaves arrays alone.
    for (const [name, sub] of Object.entries(value)) out[name] = cleanNode(sub, ctx)
    return out
  }
  if (SCHEMA_VALUES.has(key) || SCHEMA_LISTS.has(key)) {
    // `items` may be a tuple array (draft 4–7).
    return Array.isArray(value) ? value.map((sub) => cleanNode(sub, ctx)) : cleanNode(value, ctx)
  }
  return value
}

function cleanNode(node: unknown, ctx: Context): unknown {
  if (!isObject(node)) return node
  if (typeof node.$ref === 'string') return inlineRef(node, node.$ref, ctx)
  const out: Schema = {}
  for (const [key, value] of Object.entries(node)) {
    if (keep(key, value)) out[key] = cleanKeyword(key, value, ctx)
  }
  return out
}

/** JSON pointer inside the same document (`#/$defs/X`, `#/definitions/X`, `#/properties/a`). */
function resolvePointer(root: unknown, ref: string): unknown {
  if (ref === '#') return root
  if (!ref.startsWith('#/')) return undefined
  let at: unknown = root
  for (const raw of ref.slice(2).split('/')) {
    const token = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~')
    if (!isObject(at) && !Array.isArray(at)) return undefined
    at = (at as Record<string, unknown>)[token]
  }
  return at
}

/** Grammar engines do not follow `$ref`: inline it; a recursive ref becomes `{}` (any value). */
function inlineRef(node: Schema, ref: string, ctx: Context): unknown {
  if (ctx.expanding.has(ref)) return {}
  const { $ref: _ref, ...siblings } = node
  const rest = cleanNode(siblings, ctx) as Schema
  const target = resolvePointer(ctx.root, ref)
  if (target === undefined) return rest
  ctx.expanding.add(ref)
  const inlined = cleanNode(target, ctx)
  ctx.expanding.delete(ref)
  if (Object.keys(rest).length === 0) return inlined
  return isObject(inlined) ? { ...inlined, ...rest } : rest
}

const memo = new WeakMap<object, Schema>()

/**
 * Cleans one tool `input_schema` (pure; the result is shared between calls: do not mutate it).
 * Memoized by object identity, so failover across candidates and repeated translation of one
 * parsed request clean each schema once.
 *
 * @example cleanSchema({ $schema: '…', type: 'object', properties: { pattern: { type: 'string', format: 'uri' } } })
 * // → { type: 'object', properties: { pattern: { type: 'string' } } }
 */
export function cleanSchema(schema: unknown): Schema {
  if (isObject(schema)) {
    const hit = memo.get(schema)
    if (hit) return hit
  }
  const cleaned = cleanNode(schema, { root: schema, expanding: new Set(['#']) })
  // Some templates and servers read `parameters.properties` unguarded.
  let out: Schema = isObject(cleaned) ? cleaned : {}
  if (out.type === undefined) out = { type: 'object', ...out }
  if (!isObject(out.properties)) out = { ...out, properties: {} }
  if (isObject(schema)) memo.set(schema, out)
  return out
}
