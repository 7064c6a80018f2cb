/**
 * @module toolcalls/formats/hermes: `<tool_call>{"name": .., "arguments": ..}</tool_call>`
 * (Hermes 2 Pro, Qwen2.5, Qwen3, QwQ; mlx-lm `json_tools`, llama.cpp "Hermes 2 Pro").
 * Hermes-2-Pro writes `arguments` before `name` and sometimes omits `</tool_call>` (vLLM PR #5649).
 */
import { createJsonBodyReader } from './json-body.js'
import type { ToolCallFormat } from './types.js'

export const hermes: ToolCallFormat = {
  id: 'hermes',
  markers: [{ text: '<tool_call>' }],
  open: () => createJsonBodyReader({ closers: ['</tool_call>'], arrays: true }),
}
