/**
 * @module middleware/tool-mapping: translates the request for whichever backend the router
 * picks, and contributes the outbound transforms: text-format tool-call rescue and argument
 * repair against each tool's `input_schema`.
 */
import type { MiddlewareHandler } from 'hono'
import { adjustRequest } from '../backends/kinds/index.js'
import type { Backend } from '../backends/types.js'
import type { MessagesRequest } from '../schemas/anthropic.js'
import { createTextToolCallParser } from '../toolcalls/parser.js'
import { repairToolArguments } from '../toolcalls/repair.js'
import type { ToolInputResult } from '../translate/events.js'
import type { PartTransform } from '../translate/part-transform.js'
import { toOpenAIRequest } from '../translate/request.js'
import { TextToolCallRescue } from '../translate/rescue.js'

export type BuildOptions = { model: string; stream: boolean; maxTokens?: number }

/** Everything the lifecycle needs to talk to any backend for this request. */
export type UpstreamPlan = {
  hasTools: boolean
  toolNames: string[]
  /** The upstream body for a backend (OpenAI JSON, or Anthropic JSON for `anthropic` backends). */
  build(
    backend: Backend,
    options: BuildOptions,
  ): { value: Record<string, unknown>; warnings: string[] }
  /** The part transforms for one exchange with this backend (fresh state each call). */
  transforms(backend: Backend): PartTransform[]
  /** Raw tool arguments → the input object, repaired against the tool's schema. */
  toolInput(name: string, args: string): ToolInputResult
}

export type ToolMappingVariables = { upstream: UpstreamPlan }

export type ToolMappingOptions = {
  /** Formats rescued on every backend, on top of each backend's own list. */
  extraFormats?: Backend['textToolFormats']
}

function anthropicBody(req: MessagesRequest, opts: BuildOptions): Record<string, unknown> {
  const body: Record<string, unknown> = { ...req, model: opts.model, stream: true }
  if (opts.maxTokens !== undefined) body.max_tokens = Math.min(req.max_tokens, opts.maxTokens)
  return body
}

export function planUpstream(req: MessagesRequest, options: ToolMappingOptions = {}): UpstreamPlan {
  const tools = (req.tools ?? []).filter((t) => t.input_schema)
  const schemas = new Map(tools.map((t) => [t.name, t.input_schema as Record<string, unknown>]))
  const toolNames = [...schemas.keys()]
  const hasTools = toolNames.length > 0 && req.tool_choice?.type !== 'none'
  return {
    hasTools,
    toolNames,
    build(backend, opts) {
      if (backend.kind === 'anthropic') return { value: anthropicBody(req, opts), warnings: [] }
      const out = toOpenAIRequest(req, backend, opts)
      // Each server's own request quirks (mlx-lm model name, llama.cpp parallel_tool_calls...).
      adjustRequest(out.value, backend)
      return out
    },
    transforms(backend) {
      const formats = hasTools
        ? [...new Set([...backend.textToolFormats, ...(options.extraFormats ?? [])])]
        : []
      if (backend.kind === 'anthropic' || (formats.length === 0 && !backend.thinkTags)) return []
      return [
        new TextToolCallRescue(
          createTextToolCallParser({
            formats,
            toolNames,
            think: backend.thinkTags,
            assumeThinkOpen: backend.thinkTags && backend.thinkOpen === true,
          }),
        ),
      ]
    },
    toolInput(name, args) {
      const { input, ok, notes } = repairToolArguments(args, schemas.get(name))
      return { input, ok, notes }
    },
  }
}

/** @example app.post('/v1/messages', ..., toolMapping()) */
export const toolMapping = (options: ToolMappingOptions = {}): MiddlewareHandler => {
  return async function toolMapping(c, next) {
    c.set('upstream', planUpstream(c.get('request') as MessagesRequest, options))
    await next()
  }
}
