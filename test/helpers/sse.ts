/** Test helpers: parse the proxy's SSE output; split bytes at awkward places. */
import type { StreamEvent } from '../../src/translate/anthropic-types.js'

export type Frame = { event: string; data: StreamEvent }

/** Parses `event:`/`data:` frames strictly (every frame must have both, and they must agree). */
export function parseSse(text: string): Frame[] {
  const frames: Frame[] = []
  for (const block of text.split('\n\n')) {
    if (block.trim() === '') continue
    const lines = block.split('\n')
    const event = lines.find((l) => l.startsWith('event: '))?.slice(7)
    const data = lines.find((l) => l.startsWith('data: '))?.slice(6)
    if (!event || data === undefined) throw new Error(`bad frame: ${JSON.stringify(block)}`)
    const parsed = JSON.parse(data) as StreamEvent
    if (parsed.type !== event) throw new Error(`event ${event} carries ${parsed.type}`)
    frames.push({ event, data: parsed })
  }
  return frames
}

export const types = (frames: Frame[]) => frames.map((f) => f.event)

/** Splits bytes into pieces of the given sizes (cycled). */
export function splitBytes(bytes: Uint8Array, sizes: number[]): Uint8Array[] {
  const out: Uint8Array[] = []
  let i = 0
  let k = 0
  while (i < bytes.length) {
    const size = Math.max(1, sizes[k++ % sizes.length]!)
    out.push(bytes.subarray(i, i + size))
    i += size
  }
  return out
}

export async function* iterate<T>(items: Iterable<T>): AsyncGenerator<T> {
  for (const x of items) yield x
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}

/** A seeded PRNG (mulberry32) for reproducible random splits. */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
