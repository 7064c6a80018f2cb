/**
 * @module toolcalls/formats/lmstudio: `[TOOL_REQUEST]{"name": .., "arguments": ..}[END_TOOL_REQUEST]`,
 * the format LM Studio's default tool prompt asks for; its MLX engine leaves it in `content`
 * (lmstudio-bug-tracker#456, deepseek-r1-distill-qwen-32b-mlx).
 */
import { createJsonBodyReader } from './json-body.js'
import type { ToolCallFormat } from './types.js'

export const lmstudio: ToolCallFormat = {
  id: 'lmstudio',
  markers: [{ text: '[TOOL_REQUEST]' }],
  open: () => createJsonBodyReader({ closers: ['[END_TOOL_REQUEST]'] }),
}
