/**
 * @module toolcalls/types: the contract of the text-format tool-call rescue.
 *
 * Models often print tool calls as text (`<tool_call>{...}</tool_call>`, Qwen3-Coder XML, ...)
 * when the server does not parse them. A {@link TextToolCallParser} watches the text deltas of
 * one answer and splits them into plain text, reasoning and real tool calls.
 */

/** The text formats anyclaude can rescue. */
export const TEXT_TOOL_FORMATS = [
  'hermes', // <tool_call>{"name":..,"arguments":..}</tool_call> (Hermes, Qwen2.5, Qwen3)
  'qwen3-coder', // <tool_call><function=NAME><parameter=P>value</parameter></function></tool_call>
  'llama3-json', // {"name":..,"parameters":..} (optionally after <|python_tag|>)
  'mistral', // [TOOL_CALLS] [{...}] or [TOOL_CALLS]name[ARGS]{...}
  'lmstudio', // [TOOL_REQUEST]{...}[END_TOOL_REQUEST]
  'pythonic', // [name(a="x"), other()] (Llama 4, LFM2)
  'harmony', // gpt-oss <|channel|>commentary to=functions.NAME ... <|message|>{...}<|call|>
] as const
export type TextToolFormat = (typeof TEXT_TOOL_FORMATS)[number]

/** What the parser produces, in order. */
export type ParsedPiece =
  | { type: 'text'; text: string }
  | { type: 'reasoning'; text: string }
  /** A recognised call of a declared tool; `arguments` is JSON text (may still need repair). */
  | { type: 'tool-call'; name: string; arguments: string; truncated?: boolean }

export type TextToolCallParserOptions = {
  /** Formats to recognise (others stay text). */
  formats: readonly TextToolFormat[]
  /** Names of the tools the request declared; a call of any other name stays text. */
  toolNames: readonly string[]
  /** Also split `<think>...</think>` (and a bare leading `...</think>`) into reasoning. */
  think?: boolean
  /**
   * The chat template pre-fills `<think>` (Qwen3.5 on llama-server, DeepSeek-R1 templates), so the
   * answer starts inside the reasoning and only `</think>` appears. Needs `think`.
   */
  assumeThinkOpen?: boolean
}

/**
 * A streaming parser for one answer. `push` takes the next text delta and returns what can be
 * released now (text is released at once unless it may still be the start of a tag); `end`
 * flushes everything held back (an unclosed call at the end of the stream is parsed if it can be,
 * with `truncated: true` when the stream ended inside its arguments; a call that is complete but
 * lacks only its closing tag, which Hermes models often omit, is not marked truncated).
 */
export interface TextToolCallParser {
  push(text: string): ParsedPiece[]
  end(): ParsedPiece[]
}
