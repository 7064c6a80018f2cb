/** @module test/helpers/backend: a fully resolved {@link Backend} for tests, overridable per field. */
import type { Backend } from '../../src/backends/types.js'

/**
 * A llama.cpp-like backend with every capability on except the quirk switches.
 *
 * @example makeBackend({ vision: false, shortToolIds: true })
 */
export function makeBackend(overrides: Partial<Backend> = {}): Backend {
  return {
    name: 'test',
    kind: 'llamacpp',
    urls: ['http://127.0.0.1:8080/v1'],
    model: 'test-model',
    tools: 'native',
    textToolFormats: [],
    thinkTags: false,
    vision: true,
    thinking: 'chat_template_kwargs',
    structuredOutput: true,
    sampling: {},
    contextWindow: 65536,
    maxTokens: undefined,
    maxTokensField: 'max_tokens',
    stringContentOnly: false,
    toolChoice: true,
    parallelToolCalls: true,
    historyToolCallsAsText: false,
    shortToolIds: false,
    replayThinking: false,
    speedRank: 0,
    toolRank: 0,
    ...overrides,
  }
}
