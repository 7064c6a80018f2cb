/** @module test/helpers/backend: a fully resolved {@link Backend} for tests, overridable per field. */
import { BASE_DEFAULTS } from '../../src/backends/kinds/base.js'
import type { Backend } from '../../src/backends/types.js'

/**
 * A llama.cpp-like backend with every capability on except the quirk switches.
 *
 * @example makeBackend({ vision: false, shortToolIds: true })
 */
export function makeBackend(overrides: Partial<Backend> = {}): Backend {
  return {
    ...BASE_DEFAULTS,
    name: 'test',
    kind: 'llamacpp',
    urls: ['http://127.0.0.1:8080/v1'],
    model: 'test-model',
    textToolFormats: [],
    thinkTags: false,
    vision: true,
    thinking: 'chat_template_kwargs',
    // A fresh object per backend, so a test cannot change the shared defaults.
    sampling: {},
    contextWindow: 65536,
    maxTokens: undefined,
    speedRank: 0,
    toolRank: 0,
    ...overrides,
  }
}
