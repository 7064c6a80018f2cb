/**
 * @module translate/image-size: how much of a request is base64 image data. Images cost a model a
 * fixed number of tokens, not their size in characters: counting a 500 KB screenshot as text
 * would clamp max_tokens to nothing or reject the prompt as too long.
 */
import type { MessagesRequest } from '../schemas/anthropic.js'

export type ImageSize = { chars: number; count: number }

/** Characters that stand for one image in prompt estimates (~1.2k tokens at 3.3 chars/token). */
export const IMAGE_CHARS = 4000

const visit = (blocks: unknown, acc: ImageSize): void => {
  if (!Array.isArray(blocks)) return
  for (const b of blocks as Record<string, unknown>[]) {
    if (b?.type === 'image') {
      const data = (b.source as { data?: unknown } | undefined)?.data
      if (typeof data === 'string') {
        acc.chars += data.length
        acc.count++
      }
    } else if (b?.type === 'tool_result') visit(b.content, acc)
  }
}

export function imageSize(req: MessagesRequest): ImageSize {
  const acc: ImageSize = { chars: 0, count: 0 }
  for (const m of req.messages) visit(m.content, acc)
  return acc
}

/** A prompt size in characters with each image counted as {@link IMAGE_CHARS}. */
export const withoutImageData = (chars: number, images: ImageSize): number =>
  Math.max(0, chars - images.chars) + images.count * IMAGE_CHARS
