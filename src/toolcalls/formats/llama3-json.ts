/**
 * @module toolcalls/formats/llama3-json: Llama 3.1 / 3.3 custom-tool calls, a bare
 * `{"name": .., "parameters": ..}` answer, optionally after `<|python_tag|>` and ending with
 * `<|eom_id|>` / `<|eot_id|>` when the server does not strip special tokens. Rapid-MLX (mlx-lm)
 * passes it through as content without the tag (Rapid-MLX#700).
 *
 * A `{` is a call only where the answer starts (the parser anchors it), and only when its first
 * key looks like a call, so JSON answers and prose with braces are released at once.
 * `<|python_tag|>` is a special token that never occurs in prose, so it is recognised anywhere.
 */
import { createJsonBodyReader } from './json-body.js'
import type { ToolCallFormat } from './types.js'

const FIRST_KEYS = new Set(['name', 'type', 'function', 'parameters', 'arguments'])

export const llama3Json: ToolCallFormat = {
  id: 'llama3-json',
  markers: [{ text: '{', anchored: true, inBody: true }, { text: '<|python_tag|>' }],
  // `;` separates several calls (vLLM's llama3_json parser accepts it too).
  open: () =>
    createJsonBodyReader({ closers: ['<|eom_id|>', '<|eot_id|>', ';'], firstKeys: FIRST_KEYS }),
}
