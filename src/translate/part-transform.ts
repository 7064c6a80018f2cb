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
  // One transform (the text-format rescue) is the common case: no arrays in between.
  if (transforms.length === 1) return transforms[0]!.push(part)
  let parts = [part]
  for (const t of transforms) {
    const next: StreamPart[] = []
    for (const p of parts) for (const q of t.push(p)) next.push(q)
    parts = next
  }
  return parts
}
