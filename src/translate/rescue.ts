/**
 * @module translate/rescue: text-format tool calls (and `<think>` markup) in content → real parts.
 * The parser lives in toolcalls/; this adapts it to the stream of parts.
 */
import type { ParsedPiece, TextToolCallParser } from '../toolcalls/types.js'
import type { PartTransform } from './part-transform.js'
import type { StreamPart } from './stream-parts.js'

const toParts = (pieces: ParsedPiece[]): StreamPart[] =>
  pieces.map((p): StreamPart => {
    switch (p.type) {
      case 'text':
        return { type: 'text-delta', text: p.text }
      case 'reasoning':
        return { type: 'reasoning-delta', text: p.text }
      case 'tool-call':
        return {
          type: 'tool-call',
          name: p.name,
          arguments: p.arguments,
          ...(p.truncated ? { truncated: true } : {}),
        }
      default: {
        const _exhaustive: never = p
        return _exhaustive
      }
    }
  })

export class TextToolCallRescue implements PartTransform {
  readonly #parser: TextToolCallParser
  #ended = false
  rescued = 0

  constructor(parser: TextToolCallParser) {
    this.#parser = parser
  }

  push(part: StreamPart): StreamPart[] {
    if (this.#ended) return [part]
    if (part.type === 'text-delta') return this.#count(toParts(this.#parser.push(part.text)))
    if (part.type === 'tool-call') {
      // A native call: this server parses calls itself (mlx-lm, LM Studio, vLLM with a parser),
      // so the rescue steps aside for the rest of the answer. What the parser still holds (often
      // the start of this very call's markup, e.g. `[TOOL_CALLS`) goes out first, so nothing
      // lands after the tool_use block, and a call parsed from it would only duplicate this one.
      this.#ended = true
      const held = toParts(this.#parser.end()).filter((p) => p.type !== 'tool-call')
      return [...held, part]
    }
    if (part.type === 'finish' || part.type === 'error') {
      this.#ended = true
      // Text held back as a possible tag is released (or parsed) before the answer ends; a call
      // left open when the token limit hit is marked truncated.
      const rest = this.#count(toParts(this.#parser.end()))
      if (part.type === 'finish' && part.finishReason === 'length')
        for (const p of rest) if (p.type === 'tool-call') p.truncated = true
      return part.type === 'error' ? [part] : [...rest, part]
    }
    return [part]
  }

  #count(parts: StreamPart[]): StreamPart[] {
    for (const p of parts) if (p.type === 'tool-call') this.rescued++
    return parts
  }
}
