/** @module backends/types: what a backend is, once its configuration and kind defaults are merged. */
import type { TextToolFormat } from '../toolcalls/types.js'

export const BACKEND_KINDS = [
  'mlx-textgen',
  'mlx-lm',
  'lmstudio',
  'llamacpp',
  'ollama',
  'vllm',
  'openai',
  'anthropic',
] as const
export type BackendKind = (typeof BACKEND_KINDS)[number]

/** How a backend handles tools: parsed by the server, rescued from text by anyclaude, or not at all. */
export type ToolSupport = 'native' | 'rescue' | 'none'

/** How thinking is switched on and off on this server. */
export type ThinkingToggle = 'chat_template_kwargs' | 'reasoning_effort' | 'none'

/** A configured backend with every capability resolved (kind defaults, then config). */
export type Backend = {
  name: string
  kind: BackendKind
  /** Base URLs ending in `/v1` (several = one model on several machines). */
  urls: string[]
  apiKey?: string
  /** The model id sent upstream; when unset, the detected model or the kind's default. */
  model?: string
  tools: ToolSupport
  /** Text formats rescued from content when the request has tools (empty = off). */
  textToolFormats: TextToolFormat[]
  /** Split `<think>` markup in content into thinking blocks. */
  thinkTags: boolean
  vision: boolean
  thinking: ThinkingToggle
  /** Sends `output_config.format` json_schema as `response_format`. */
  structuredOutput: boolean
  /** Default sampling when the client sends none (Claude Code sends none). */
  sampling: { temperature?: number; top_p?: number; top_k?: number }
  /** Context window in tokens when configured or detected. */
  contextWindow?: number
  /** Cap on max_tokens (a server's own limit); undefined = no cap. */
  maxTokens?: number
  maxTokensField: 'max_tokens' | 'max_completion_tokens' | 'both'
  /** Content must be a plain string (Ollama splits arrays into several messages). */
  stringContentOnly: boolean
  /** Server honours tool_choice / parallel_tool_calls. */
  toolChoice: boolean
  parallelToolCalls: boolean
  /** Render earlier tool calls and results as text (MLX-Textgen with tool-less templates). */
  historyToolCallsAsText: boolean
  /** Tool-call ids must be 9 alphanumerics (Mistral templates). */
  shortToolIds: boolean
  /** Send earlier thinking blocks back as `reasoning` (servers that re-inject reasoning). */
  replayThinking: boolean
  /** Higher = preferred for tool-less requests (KV-cached, fast). */
  speedRank: number
  /** Higher = preferred for requests with tools. */
  toolRank: number
}

/** What detection learned about a backend (one entry per base URL). */
export type BackendState = {
  name: string
  url: string
  up: boolean
  /** Epoch ms of the last probe or request outcome. */
  checkedAt: number
  /** Why it is down, for logs and /health. */
  reason?: string
  /** The server really answering (from fingerprinting), when known. */
  detectedKind?: BackendKind
  models?: string[]
  contextWindow?: number
  inFlight: number
  /** Circuit breaker: down until this time; tried again (half-open) afterwards. */
  retryAt?: number
}
