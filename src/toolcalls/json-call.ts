/** @module toolcalls/json-call: reading `{"name": .., "arguments": ..}` objects models print. */
import { jsonrepair } from 'jsonrepair'
import type { RawToolCall } from './formats/types.js'

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** `JSON.parse`, then `jsonrepair` (the jsonrepair package) for what small models get wrong. */
export function parseLooseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    try {
      return JSON.parse(jsonrepair(text))
    } catch {
      return undefined
    }
  }
}

/** Arguments as JSON text: objects are serialised, strings kept (some Qwen2.5 fine-tunes stringify). */
export function argumentsText(args: unknown): string {
  if (args === undefined || args === null) return '{}'
  return typeof args === 'string' ? args : JSON.stringify(args)
}

/**
 * One call object: `arguments` or `parameters` (Llama 3.1, some Hermes fine-tunes), in any key
 * order (Hermes-2-Pro writes `arguments` first), or OpenAI-shaped `{"function": {...}}`.
 */
export function callFromObject(value: unknown): RawToolCall | undefined {
  if (!isRecord(value)) return undefined
  const fn = isRecord(value.function) ? value.function : value
  if (typeof fn.name !== 'string' || fn.name.trim() === '') return undefined
  return { name: fn.name.trim(), arguments: argumentsText(fn.arguments ?? fn.parameters) }
}

/** A parsed object or array of call objects; null unless every element is a call. */
export function callsFromJson(text: string, truncated: boolean): RawToolCall[] | null {
  const value = parseLooseJson(text)
  const items = Array.isArray(value) ? value : [value]
  const calls: RawToolCall[] = []
  for (const item of items) {
    const call = callFromObject(item)
    if (!call) return null
    calls.push(truncated ? { ...call, truncated } : call)
  }
  return calls.length > 0 ? calls : null
}
