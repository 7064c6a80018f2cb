/** @module backends/kinds: every backend kind as data (defaults + named quirks), by kind. */
import type { Backend, BackendKind, KindProfile } from '../types.js'
import { anthropic } from './anthropic.js'
import { llamacpp } from './llamacpp.js'
import { lmstudio } from './lmstudio.js'
import { mlxLm } from './mlx-lm.js'
import { mlxTextgen } from './mlx-textgen.js'
import { ollama } from './ollama.js'
import { openai } from './openai.js'
import { vllm } from './vllm.js'

export type { KindProfile } from '../types.js'

export const KIND_PROFILES: Readonly<Record<BackendKind, KindProfile>> = {
  'mlx-textgen': mlxTextgen,
  'mlx-lm': mlxLm,
  lmstudio,
  llamacpp,
  ollama,
  vllm,
  openai,
  anthropic,
}

/** How each server calls itself, for log lines. */
export const KIND_LABELS: Readonly<Record<BackendKind, string>> = {
  'mlx-textgen': 'MLX-Textgen',
  'mlx-lm': 'mlx-lm',
  lmstudio: 'LM Studio',
  llamacpp: 'llama.cpp',
  ollama: 'Ollama',
  vllm: 'vLLM',
  openai: 'OpenAI-compatible',
  anthropic: 'Anthropic',
}

/**
 * Applies the backend kind's last request changes (model guard, llama.cpp's parallel_tool_calls,
 * MLX-Textgen's max_tokens bound, ...). Call it on the OpenAI body right before sending it, with
 * the effective backend (see `effectiveBackend`).
 * @example adjustRequest(body, registry.effective(backend, url))
 */
export function adjustRequest(body: Record<string, unknown>, backend: Backend): void {
  KIND_PROFILES[backend.kind].adjustRequest?.(body, backend)
}
