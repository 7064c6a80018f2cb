/** Helpers for the text tool-call parser tests: fixtures, chunkings, and comparable pieces. */
import { readFileSync } from 'node:fs'
import { createTextToolCallParser, mergePieces } from '../../src/toolcalls/parser.js'
import type { ParsedPiece, TextToolCallParserOptions } from '../../src/toolcalls/types.js'
import { rng } from '../helpers/sse.js'

export const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/backend-streams/${name}`, import.meta.url), 'utf8')

/** The `delta.content` pieces of a recorded `.chunks.jsonl` stream, as the server chunked them. */
export const contentChunks = (name: string): string[] =>
  fixture(name)
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line)?.choices?.[0]?.delta?.content)
    .filter((c): c is string => typeof c === 'string' && c !== '')

/** Splits by code points (servers never split a character) into chunks of 1..max. */
export function splitRandom(text: string, seed: number, max = 12): string[] {
  const chars = Array.from(text)
  const rnd = rng(seed)
  const chunks: string[] = []
  for (let i = 0; i < chars.length; ) {
    const n = 1 + Math.floor(rnd() * max)
    chunks.push(chars.slice(i, i + n).join(''))
    i += n
  }
  return chunks
}

/** Splits at the given sizes (cycled), by code points. */
export function splitSizes(text: string, sizes: readonly number[]): string[] {
  const chars = Array.from(text)
  const chunks: string[] = []
  for (let i = 0, k = 0; i < chars.length; k++) {
    const n = Math.max(1, sizes.length > 0 ? (sizes[k % sizes.length] as number) : chars.length)
    chunks.push(chars.slice(i, i + n).join(''))
    i += n
  }
  return chunks
}

export function runChunks(
  options: TextToolCallParserOptions,
  chunks: readonly string[],
): ParsedPiece[] {
  const parser = createTextToolCallParser(options)
  const pieces: ParsedPiece[] = []
  for (const chunk of chunks) pieces.push(...parser.push(chunk))
  pieces.push(...parser.end())
  return mergePieces(pieces)
}

/** The chunkings every case runs under: whole, one character at a time, and seeded random. */
export function chunkings(text: string): [string, string[]][] {
  return [
    ['whole', [text]],
    ['1-char', Array.from(text)],
    ...[1, 2, 3].map((seed): [string, string[]] => [`random#${seed}`, splitRandom(text, seed)]),
  ]
}

/** A piece with the call arguments parsed, so expectations do not depend on JSON spacing. */
export type Comparable =
  | { type: 'text' | 'reasoning'; text: string }
  | { type: 'tool-call'; name: string; input: unknown; truncated?: boolean }

export const comparable = (pieces: readonly ParsedPiece[]): Comparable[] =>
  pieces.map((p) => {
    if (p.type !== 'tool-call') return p
    let input: unknown
    try {
      input = JSON.parse(p.arguments)
    } catch {
      input = { unparsed: p.arguments }
    }
    return { type: 'tool-call', name: p.name, input, ...(p.truncated ? { truncated: true } : {}) }
  })

export const text = (t: string): Comparable => ({ type: 'text', text: t })
export const reasoning = (t: string): Comparable => ({ type: 'reasoning', text: t })
export const call = (name: string, input: unknown, truncated?: boolean): Comparable => ({
  type: 'tool-call',
  name,
  input,
  ...(truncated ? { truncated } : {}),
})
