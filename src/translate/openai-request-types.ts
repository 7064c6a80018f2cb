/**
 * @module translate/openai-request-types: the Chat Completions request shapes anyclaude sends.
 *
 * A limited version of the OpenAI types: only what we emit, with the non-standard fields local
 * servers read (`reasoning`, `top_k`, `chat_template_kwargs`). Objects are always built in the key
 * order written here, so `JSON.stringify` of the same input is byte-identical (KV-cache prefixes).
 */

export type OpenAITextPart = { type: 'text'; text: string }
export type OpenAIImagePart = { type: 'image_url'; image_url: { url: string } }
export type OpenAIContentPart = OpenAITextPart | OpenAIImagePart

export type OpenAIToolCall = {
  id: string
  type: 'function'
  function: { name: string; arguments: string }
}

export type OpenAISystemMessage = { role: 'system'; content: string }
export type OpenAIUserMessage = { role: 'user'; content: string | OpenAIContentPart[] }
export type OpenAIAssistantMessage = {
  role: 'assistant'
  content: string | null
  /** Earlier thinking, for servers that re-inject it (vLLM reads `reasoning`). */
  reasoning?: string
  tool_calls?: OpenAIToolCall[]
}
export type OpenAIToolMessage = { role: 'tool'; tool_call_id: string; content: string }

export type OpenAIMessage =
  | OpenAISystemMessage
  | OpenAIUserMessage
  | OpenAIAssistantMessage
  | OpenAIToolMessage

export type OpenAITool = {
  type: 'function'
  function: { name: string; description?: string; parameters: Record<string, unknown> }
}

export type OpenAIToolChoice =
  | 'auto'
  | 'required'
  | 'none'
  | { type: 'function'; function: { name: string } }

/** What a pure translation step returns: its result plus the warnings the logger records. */
export type Translated<T> = { value: T; warnings: string[] }
