/** @module toolcalls/formats: the registry of call formats (Harmony is separate: it owns the answer). */
import { hermes } from './hermes.js'
import { llama3Json } from './llama3-json.js'
import { lmstudio } from './lmstudio.js'
import { mistral } from './mistral.js'
import { pythonic } from './pythonic.js'
import { qwen3Coder } from './qwen3-coder.js'
import type { ToolCallFormat } from './types.js'

export const TOOL_CALL_FORMATS: readonly ToolCallFormat[] = [
  hermes,
  qwen3Coder,
  llama3Json,
  mistral,
  lmstudio,
  pythonic,
]
