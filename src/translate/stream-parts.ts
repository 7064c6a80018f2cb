/**
 * @module translate/stream-parts: the backend-neutral parts every upstream stream is decoded into.
 *
 * OpenAI chunks (and Anthropic events from `anthropic` backends) become these parts; the text-format
 * tool-call rescue rewrites them (text → thinking / tool calls); the event builder turns them into
 * the Anthropic event grammar. One translation, used by streaming and non-streaming alike.
 */
import type { AnthropicErrorType, StopReason } from './anthropic-types.js'
import type { SseItem } from './sse-decode.js'

/** Token counts as the backend reported them (prompt includes cached tokens, as in OpenAI). */
export type UpstreamUsage = {
  promptTokens?: number
  completionTokens?: number
  cachedTokens?: number
}

export type StreamPart =
  | { type: 'text-delta'; text: string }
  | { type: 'reasoning-delta'; text: string }
  /**
   * A complete tool call. `arguments` is the raw JSON text as the backend or the model wrote it
   * (possibly invalid: argument repair runs later); `input` is set when already parsed.
   * `truncated` marks a call cut off by the token limit.
   */
  | {
      type: 'tool-call'
      id?: string
      name: string
      arguments: string
      input?: Record<string, unknown>
      truncated?: boolean
    }
  | { type: 'usage'; usage: UpstreamUsage }
  /** The backend's finish reason, raw (`stop`, `length`, `tool_calls`, ...), or a stop reason. */
  | { type: 'finish'; finishReason: string | null; stopReason?: StopReason; stopSequence?: string }
  /** A fault after the stream began (in-band error chunk, cut connection, invalid JSON). */
  | { type: 'error'; errorType: AnthropicErrorType; message: string }
  /** Something repaired or dropped on the way; logged, never shown to the client. */
  | { type: 'warning'; message: string }

export const isContentPart = (p: StreamPart): boolean =>
  (p.type === 'text-delta' && p.text.trim() !== '') ||
  (p.type === 'reasoning-delta' && p.text !== '') ||
  p.type === 'tool-call'

/**
 * A synchronous stream translator (one per answer): decoded SSE events in, parts out. The request
 * path drives it chunk by chunk; {@link decodeParts} gives it an async-iterator face.
 */
export interface PartDecoder {
  /** Appends the parts this event completes to `out`. */
  push(item: SseItem, out: StreamPart[]): void
  /** The body ended (or {@link done}): appends the closing parts (`finish`, or an `error`). */
  end(out: StreamPart[]): void
  /** True once the stream said all it will (`[DONE]`, an error): stop reading. */
  readonly done: boolean
}

/** Runs a {@link PartDecoder} over an async stream of events. */
export async function* decodeParts(
  events: AsyncIterable<SseItem>,
  decoder: PartDecoder,
): AsyncGenerator<StreamPart> {
  const out: StreamPart[] = []
  for await (const item of events) {
    decoder.push(item, out)
    yield* out.splice(0)
    if (decoder.done) break
  }
  decoder.end(out)
  yield* out
}
