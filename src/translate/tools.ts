/**
 * @module translate/tools: Anthropic tools and tool_choice → OpenAI `tools`, `tool_choice`,
 * `parallel_tool_calls` (protocol.md §6.1, vercel/ai's `prepareTools` shape).
 */
import type { Backend } from '../backends/types.js'
import type { MessagesRequest, ToolParamT } from '../schemas/anthropic.js'
import { reuseEncoding } from './encode-json.js'
import type { OpenAITool, OpenAIToolChoice, Translated } from './openai-request-types.js'
import { cleanSchema } from './schema-clean.js'

export type OpenAIToolFields = {
  tools?: OpenAITool[]
  tool_choice?: OpenAIToolChoice
  parallel_tool_calls?: boolean
}

/** Only client tools: a local model cannot run Anthropic's server tools (web_search_20250305, …). */
const isClientTool = (t: ToolParamT): boolean =>
  (t.type === undefined || t.type === null || t.type === 'custom') && t.input_schema !== undefined

function toTool(t: ToolParamT): OpenAITool {
  const fn: OpenAITool['function'] =
    typeof t.description === 'string'
      ? { name: t.name, description: t.description, parameters: cleanSchema(t.input_schema) }
      : { name: t.name, parameters: cleanSchema(t.input_schema) }
  return { type: 'function', function: fn }
}

/**
 * Claude Code sends the same tools every turn, and the normalize step hands on the very same
 * array when nothing changed: its translation is then reused, and so is its serialisation.
 */
const translated = new WeakMap<readonly ToolParamT[], OpenAITool[]>()

function translatedTools(given: readonly ToolParamT[], kept: readonly ToolParamT[]): OpenAITool[] {
  const known = translated.get(given)
  if (known) return known
  const tools = kept.map(toTool)
  translated.set(given, tools)
  reuseEncoding(tools)
  return tools
}

function mapChoice(
  choice: NonNullable<MessagesRequest['tool_choice']>,
  names: readonly string[],
  warnings: string[],
): OpenAIToolChoice | undefined {
  switch (choice.type) {
    case 'auto':
      return 'auto'
    case 'any':
      return 'required'
    case 'none':
      return 'none'
    case 'tool':
      if (choice.name !== undefined && names.includes(choice.name))
        return { type: 'function', function: { name: choice.name } }
      warnings.push(`tool_choice names unknown tool ${String(choice.name)}; left to the model`)
      return undefined
    default: {
      const _exhaustive: never = choice.type
      return _exhaustive
    }
  }
}

/**
 * @example toOpenAITools({ tools, tool_choice: { type: 'any' } }, backend).value.tool_choice // 'required'
 */
export function toOpenAITools(
  req: Pick<MessagesRequest, 'tools' | 'tool_choice'>,
  backend: Backend,
): Translated<OpenAIToolFields> {
  const warnings: string[] = []
  const given = req.tools ?? []
  const kept = given.filter(isClientTool)
  const dropped = given.filter((t) => !isClientTool(t)).map((t) => t.name)
  if (dropped.length > 0) warnings.push(`dropped server tools: ${dropped.join(', ')}`)
  const choice = req.tool_choice ?? undefined
  if (kept.length === 0) {
    if (choice && choice.type !== 'auto' && choice.type !== 'none')
      warnings.push(`tool_choice ${choice.type} ignored: no tools to call`)
    return { value: {}, warnings }
  }
  if (backend.tools === 'none') {
    warnings.push(`backend ${backend.name} has no tool support; ${kept.length} tools not sent`)
    return { value: {}, warnings }
  }
  // Omit tools entirely for `none`: mlx-lm and Ollama ignore tool_choice.
  if (choice?.type === 'none') return { value: {}, warnings }

  const value: OpenAIToolFields = { tools: translatedTools(given, kept) }
  const mapped = choice
    ? mapChoice(
        choice,
        kept.map((t) => t.name),
        warnings,
      )
    : undefined
  if (mapped !== undefined) {
    if (backend.toolChoice) value.tool_choice = mapped
    else if (mapped !== 'auto')
      warnings.push(`backend ${backend.name} ignores tool_choice; ${choice?.type} not enforced`)
  }
  if (choice?.disable_parallel_tool_use === true) value.parallel_tool_calls = false
  // llama.cpp makes one call per turn unless asked for parallel calls.
  else if (backend.parallelToolCalls) value.parallel_tool_calls = true
  return { value, warnings }
}
