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
  /**
   * The chat template opens `<think>` itself (Qwen3 with thinking on, llama.cpp with
   * `reasoning_format: none`): the answer starts inside the reasoning and only `</think>` appears.
   */
  thinkOpen?: boolean
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
  /** At most this many tool calls per answer (MLX-Textgen: one); undefined = no limit. */
  maxToolCallsPerAnswer?: number
  /** Streams carry usage (with `stream_options.include_usage`); false = estimate it. */
  streamUsage?: boolean
  /** A 200 stream with no content and no tool call means the prompt overflowed the context. */
  emptyStreamIsOverflow?: boolean
  /**
   * The capability fields the configuration set explicitly. They win over the defaults of a
   * detected kind when detection finds another server than the configured one.
   */
  configured?: Partial<BackendCapabilities>
}

/** The capability fields a kind supplies as defaults (everything but identity and connection). */
export type BackendCapabilities = Omit<
  Backend,
  'name' | 'kind' | 'urls' | 'apiKey' | 'model' | 'configured'
>

/** A kind as data: its defaults and the request changes no capability flag can express. */
export type KindProfile = {
  defaults: BackendCapabilities
  /** Model id sent when none is configured (and, with `ignoreDetectedModel`, none detected). */
  defaultModel?: string
  /** The server's model list is not what it serves (mlx-lm lists its whole HF cache). */
  ignoreDetectedModel?: boolean
  /** Last changes to an OpenAI request body for this server (mutates `body`). */
  adjustRequest?(body: Record<string, unknown>, backend: Backend): void
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
  /** Model ids the server lists; the loaded (served) one first when the server says which. */
  models?: string[]
  contextWindow?: number
  inFlight: number
  /** Circuit breaker: down until this time; tried again (half-open) afterwards. */
  retryAt?: number
  /** The loaded model accepts images (LM Studio `vlm`, llama.cpp `modalities.vision`). */
  vision?: boolean
}
