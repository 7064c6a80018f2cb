/**
 * @module toolcalls/repair: turning the arguments a local model wrote into the object the tool's
 * schema expects, or saying clearly that it could not.
 *
 * 1. Syntax: JSON with trailing text, a missing brace, trailing commas, single quotes, Python
 *    literals (True/None) is repaired with the `jsonrepair` package, after trying to cut the text
 *    after a balanced object ourselves (jsonrepair throws on trailing prose).
 * 2. Types: Qwen3-Coder's XML gives every value as a string, and small models quote numbers; values
 *    are coerced to the schema with Ajv's `coerceTypes`, after a pre-pass that parses strings where
 *    the schema wants an array or object (Ajv does not).
 */
import type { ValidateFunction } from 'ajv'
import { Ajv } from 'ajv'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { jsonrepair } from 'jsonrepair'
import { isRecord, parseLooseJson } from './json-call.js'
import { balancedJsonEnd } from './scan.js'

export type RepairResult = {
  /** The arguments to use: always an object (`{}` when nothing could be recovered). */
  input: Record<string, unknown>
  /** The input is an object that validates against the schema (after coercion). */
  ok: boolean
  /** Anything was changed from what the model wrote. */
  repaired: boolean
  /** What was changed or is wrong, for logs. */
  notes: string[]
}

type Schema = Record<string, unknown>

/** Whether `text` is one complete JSON object (false for a truncated one: the stream was cut). */
export function isCompleteJsonObject(text: string): boolean {
  const trimmed = text.trim()
  if (!trimmed.startsWith('{') || balancedJsonEnd(trimmed) !== trimmed.length) return false
  try {
    return isRecord(JSON.parse(trimmed))
  } catch {
    return false
  }
}

const describe = (v: unknown): string =>
  Array.isArray(v) ? 'an array' : v === null ? 'null' : `a ${typeof v}`

/** Parses argument text; `value` is undefined when nothing JSON could be recovered. */
function parseArguments(text: string, notes: string[]): { value: unknown; repaired: boolean } {
  const trimmed = text.trim()
  // Servers send "" for a call without arguments.
  if (trimmed === '') return { value: {}, repaired: false }
  try {
    return { value: JSON.parse(trimmed), repaired: false }
  } catch {}
  const end = balancedJsonEnd(trimmed)
  const hasTail = end > 0 && end < trimmed.length
  const tailNote = `dropped text after the JSON: ${JSON.stringify(trimmed.slice(end, end + 40))}`
  if (hasTail) {
    try {
      const value = JSON.parse(trimmed.slice(0, end))
      notes.push(tailNote)
      return { value, repaired: true }
    } catch {}
  }
  const cutOff = end < 0 && /^[{[]/.test(trimmed)
  const attempts: [string, string][] = [
    [trimmed, cutOff ? 'the JSON was cut off; closed it' : 'repaired the JSON syntax'],
  ]
  // jsonrepair throws on prose after the value, so also try without it.
  if (hasTail) attempts.push([trimmed.slice(0, end), `repaired the JSON syntax; ${tailNote}`])
  for (const [candidate, note] of attempts) {
    try {
      const value = JSON.parse(jsonrepair(candidate))
      notes.push(note)
      return { value, repaired: true }
    } catch {}
  }
  notes.push(`arguments are not JSON: ${JSON.stringify(trimmed.slice(0, 80))}`)
  return { value: undefined, repaired: true }
}

/** The JSON types a schema allows (`type`, or the union over `anyOf`/`oneOf`); empty = any. */
function schemaTypes(schema: unknown): Set<string> {
  const types = new Set<string>()
  if (!isRecord(schema)) return types
  const t = schema.type
  for (const x of Array.isArray(t) ? t : [t]) if (typeof x === 'string') types.add(x)
  for (const branch of [schema.anyOf, schema.oneOf].flat()) {
    for (const x of schemaTypes(branch)) types.add(x)
  }
  return types
}

/** One value against its schema: strings that hold arrays, objects, null or Python booleans. */
function coerceValue(value: unknown, schema: unknown): unknown {
  if (typeof value === 'string') {
    const types = schemaTypes(schema)
    if (types.size === 0 || types.has('string')) return value
    if (types.has('array') || types.has('object')) {
      const parsed = parseLooseJson(value)
      if (
        (types.has('array') && Array.isArray(parsed)) ||
        (types.has('object') && isRecord(parsed))
      ) {
        return coerceValue(parsed, schema)
      }
    }
    // Qwen3-Coder writes `null` as text; Python-trained models write True/False.
    if (value.trim() === 'null' && types.has('null')) return null
    if (types.has('boolean') && /^\s*(True|False)\s*$/.test(value)) return value.trim() === 'True'
    return value
  }
  if (!isRecord(schema)) return value
  if (Array.isArray(value) && isRecord(schema.items)) {
    return value.map((item) => coerceValue(item, schema.items))
  }
  if (isRecord(value) && isRecord(schema.properties)) {
    const properties = schema.properties
    for (const [key, v] of Object.entries(value)) {
      if (key in properties) value[key] = coerceValue(v, properties[key])
    }
  }
  return value
}

// Ajv caches what it compiles by schema object; requests re-parse their tools, so schemas are also
// keyed by their JSON text, and the Ajv instances are dropped when that cache fills up.
const MAX_SCHEMAS = 256
type Validators = { plain: ValidateFunction; coercing: ValidateFunction }
const byObject = new WeakMap<object, Validators | null>()
const byText = new Map<string, Validators | null>()
type AjvPair = { draft7: Ajv; draft2020: Ajv2020 }
let instances: { plain: AjvPair; coercing: AjvPair } | undefined

function createAjvs(coerce: boolean): AjvPair {
  // Tool schemas come from MCP servers of every quality: never throw on unknown keywords or
  // formats, and never register `$id`s (the same tool is compiled again on later requests).
  const options = {
    strict: false,
    validateFormats: false,
    validateSchema: false,
    addUsedSchema: false,
    allErrors: true,
    ...(coerce ? { coerceTypes: 'array' as const } : {}),
  }
  return { draft7: new Ajv(options), draft2020: new Ajv2020(options) }
}

/**
 * Puts `{type: "null"}` branches of `anyOf`/`oneOf` first (pydantic's `Optional[int]` is
 * `anyOf: [{type: integer}, {type: null}]`): Ajv coerces inside the first branch it tries, and
 * would turn a valid null into 0.
 */
function nullBranchesFirst(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(nullBranchesFirst)
  if (!isRecord(schema)) return schema
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(schema)) {
    const isNull = (b: unknown) => isRecord(b) && b.type === 'null'
    out[k] =
      (k === 'anyOf' || k === 'oneOf') && Array.isArray(v)
        ? nullBranchesFirst([...v.filter(isNull), ...v.filter((b) => !isNull(b))])
        : nullBranchesFirst(v)
  }
  return out
}

function compile(schema: Schema): Validators | null {
  instances ??= { plain: createAjvs(false), coercing: createAjvs(true) }
  const { $schema, ...rest } = schema
  const is2020 = typeof $schema === 'string' && /2019-09|2020-12/.test($schema)
  const pick = (pair: AjvPair) => (is2020 ? pair.draft2020 : pair.draft7)
  try {
    return {
      plain: pick(instances.plain).compile(rest),
      coercing: pick(instances.coercing).compile(nullBranchesFirst(rest) as Schema),
    }
  } catch {
    return null
  }
}

function validatorsFor(schema: Schema): Validators | null {
  const cached = byObject.get(schema)
  if (cached !== undefined) return cached
  const key = JSON.stringify(schema)
  let validators = byText.get(key)
  if (validators === undefined) {
    if (byText.size >= MAX_SCHEMAS) {
      byText.clear()
      instances = undefined
    }
    validators = compile(schema)
    byText.set(key, validators)
  }
  byObject.set(schema, validators)
  return validators
}

/**
 * Repairs a tool call's arguments and checks them against the tool's input schema.
 *
 * @param raw the arguments: JSON text as the model wrote it, an already parsed object, or undefined
 * @param schema the tool's JSON schema (`input_schema`); without one only the syntax is repaired
 * @example
 * repairToolArguments('{"count": "5"', { type: 'object', properties: { count: { type: 'integer' } } })
 * // → { input: { count: 5 }, ok: true, repaired: true, notes: [...] }
 */
export function repairToolArguments(
  raw: string | Record<string, unknown> | undefined,
  schema: Record<string, unknown> | undefined,
): RepairResult {
  const notes: string[] = []
  let repaired = false
  let parsedOk = true
  let value: unknown
  if (raw === undefined) value = {}
  else if (typeof raw === 'string') {
    const parsed = parseArguments(raw, notes)
    value = parsed.value
    repaired = parsed.repaired
    parsedOk = value !== undefined
  } else value = structuredClone(raw)

  // Arguments encoded twice (`"{\"command\": \"ls\"}"`), seen from stringifying fine-tunes.
  if (typeof value === 'string') {
    const inner = parseLooseJson(value)
    if (isRecord(inner)) {
      notes.push('arguments were a JSON string; parsed it')
      value = inner
      repaired = true
    }
  }
  if (Array.isArray(value) && value.length === 1 && isRecord(value[0])) {
    notes.push('arguments were an array of one object; used the object')
    value = value[0]
    repaired = true
  }
  if (!isRecord(value)) {
    if (value !== undefined) notes.push(`arguments are ${describe(value)}, not an object`)
    return { input: {}, ok: false, repaired: true, notes }
  }

  const input = value
  if (!schema) return { input, ok: parsedOk, repaired, notes }
  const before = JSON.stringify(input)
  coerceValue(input, schema)
  const validators = validatorsFor(schema)
  let valid = true
  if (!validators) notes.push('the schema could not be compiled; arguments not validated')
  // Coerce only what does not validate as it is: Ajv would also coerce inside `anyOf` branches
  // of values that were already valid (5 → "5" for `anyOf: [string, integer]`).
  else if (!validators.plain(input) && !validators.coercing(input)) {
    valid = false
    for (const e of validators.coercing.errors ?? []) {
      notes.push(`${e.instancePath || '/'} ${e.message ?? ''}`)
    }
  }
  if (JSON.stringify(input) !== before) {
    notes.push('coerced values to the schema types')
    repaired = true
  }
  return { input, ok: parsedOk && valid, repaired, notes }
}
