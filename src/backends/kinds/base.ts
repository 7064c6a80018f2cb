/**
 * @module backends/kinds/base: the generic OpenAI-compatible defaults (OpenAI API v1 as typed by the
 * `openai` package 6.x; protocol.md §5). The `openai` kind uses them as they are; every other kind
 * spreads them and lists what differs, plus the fields whose value matches but whose comment
 * records what that server does.
 */
import type { BackendCapabilities } from '../types.js'

export const BASE_DEFAULTS: Readonly<BackendCapabilities> = {
  tools: 'native',
  // Unknown server: rescue tool calls that come back as text in the common formats.
  textToolFormats: ['hermes', 'qwen3-coder', 'llama3-json', 'mistral', 'pythonic'],
  thinkTags: true,
  // Unknown model: images become placeholders unless the config says vision: true.
  vision: false,
  thinking: 'none',
  structuredOutput: true,
  sampling: {},
  // The field every compatible server reads (OpenAI itself still accepts it for chat models).
  maxTokensField: 'max_tokens',
  stringContentOnly: false,
  toolChoice: true,
  parallelToolCalls: true,
  historyToolCallsAsText: false,
  shortToolIds: false,
  replayThinking: false,
  speedRank: 30,
  toolRank: 30,
  streamUsage: true,
}
