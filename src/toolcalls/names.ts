/** @module toolcalls/names: matching the names models write to the tools the request declared. */
import type { ReaderContext } from './formats/types.js'

/**
 * Resolves names exactly first, then without a `functions.` prefix (gpt-oss, some Hermes
 * fine-tunes), then case-insensitively when that is unambiguous (small models write `bash`).
 */
export function createToolNameContext(toolNames: readonly string[]): ReaderContext {
  const exact = new Set(toolNames)
  const lower = new Map<string, string | null>()
  for (const name of toolNames) {
    const key = name.toLowerCase()
    lower.set(key, lower.has(key) ? null : name)
  }
  const resolve = (raw: string): string | undefined => {
    const name = raw.trim().replace(/^functions\./, '')
    if (exact.has(name)) return name
    return lower.get(name.toLowerCase()) ?? undefined
  }
  const couldStart = (prefix: string): boolean => {
    const p = prefix.toLowerCase()
    return toolNames.some((n) => n.toLowerCase().startsWith(p) || `functions.${n}`.startsWith(p))
  }
  return { resolve, couldStart }
}
