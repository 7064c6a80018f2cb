/** @module translate/part-transform: the shape of an outbound transform over stream parts. */
import type { StreamPart } from './stream-parts.js'

/** Synchronous, so the per-chunk path stays one loop; `push` may hold parts back and release later. */
export interface PartTransform {
  push(part: StreamPart): StreamPart[]
}

/** Runs a part through transforms in order. */
export function applyTransforms(
  transforms: readonly PartTransform[],
  part: StreamPart,
): StreamPart[] {
  let parts = [part]
  for (const t of transforms) {
    const next: StreamPart[] = []
    for (const p of parts) for (const q of t.push(p)) next.push(q)
    parts = next
  }
  return parts
}
