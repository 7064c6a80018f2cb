/**
 * @module translate/messages: Anthropic messages → OpenAI chat messages (protocol.md §6.3).
 *
 * Expects a request already through {@link normalizeRequest}. Each Anthropic message translates on
 * its own (plus the tool-call ids of the assistant message just before it), so the translation of a
 * conversation prefix never changes when the conversation grows: the backend's KV cache stays
 * valid. Objects are built in a fixed key order for byte-stable `JSON.stringify`.
 */
import type { Backend } from '../backends/types.js'
import type { MessagesRequest } from '../schemas/anthropic.js'
import { reuseEncoding } from './encode-json.js'
import { deepFreeze } from './freeze.js'
import {
  type AnyBlock,
  blockToParts,
  flattenToolResult,
  looseText,
  type PartContext,
} from './message-content.js'
import type {
  OpenAIAssistantMessage,
  OpenAIContentPart,
  OpenAIImagePart,
  OpenAIMessage,
  OpenAISystemMessage,
  OpenAIToolCall,
  Translated,
} from './openai-request-types.js'
import { createToolIdMapper } from './tool-ids.js'

export const NO_RESULT = '(no result)'

type Ctx = PartContext & {
  backend: Backend
  mapId: (id: string) => string
  out: OpenAIMessage[]
}

const blocksOf = (content: MessagesRequest['messages'][number]['content']): AnyBlock[] =>
  typeof content === 'string' ? [{ type: 'text', text: content }] : (content as AnyBlock[])

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** The last system message built, and the block texts it came from. */
let lastSystem: { texts: string[]; message: OpenAISystemMessage } | undefined

/**
 * The system message (Claude Code joins system blocks with a blank line; so do we), the same
 * object while the system prompt stays the same (interned texts
 * compare by identity): a 15 KB prompt is joined once, and its JSON bytes are encoded once
 * (see {@link reuseEncoding}). Never mutated afterwards.
 */
function systemMessage(system: MessagesRequest['system']): OpenAISystemMessage | undefined {
  const texts =
    typeof system === 'string'
      ? [system]
      : (system ?? []).flatMap((b) => (typeof b.text === 'string' ? [b.text] : []))
  const last = lastSystem
  if (last && last.texts.length === texts.length && last.texts.every((t, i) => t === texts[i]))
    return last.message
  const content = texts.join('\n\n')
  if (content === '') return undefined
  const message: OpenAISystemMessage = { role: 'system', content }
  reuseEncoding(message)
  lastSystem = { texts, message }
  return message
}

function toolInput(block: AnyBlock, warnings: string[]): Record<string, unknown> {
  if (isObject(block.input)) return block.input
  // Ollama and mlx-lm parse arguments as a JSON object; "" or a bare value breaks them.
  if (block.input !== undefined && block.input !== null)
    warnings.push(`tool_use ${String(block.id)}: input is not an object, sent as {}`)
  return {}
}

/** One assistant message; returns the ids of its tool calls (unmapped). */
function assistant(blocks: AnyBlock[], ctx: Ctx): string[] {
  const texts: string[] = []
  const reasoning: string[] = []
  const calls: OpenAIToolCall[] = []
  const ids: string[] = []
  for (const b of blocks) {
    if (b.type === 'text' && typeof b.text === 'string') texts.push(b.text)
    else if (b.type === 'thinking') {
      if (ctx.backend.replayThinking && typeof b.thinking === 'string') reasoning.push(b.thinking)
    } else if (b.type === 'redacted_thinking') continue
    else if (b.type === 'tool_use') {
      const id = String(b.id)
      const name = String(b.name)
      const input = toolInput(b, ctx.warnings)
      ids.push(id)
      // MLX-Textgen with a template without tool support drops `tool_calls` from history: give
      // the model the Hermes text it would have written instead.
      if (ctx.backend.historyToolCallsAsText)
        texts.push(`<tool_call>\n${JSON.stringify({ name, arguments: input })}\n</tool_call>`)
      else
        calls.push({
          id: ctx.mapId(id),
          type: 'function',
          function: { name, arguments: JSON.stringify(input) },
        })
    } else {
      const t = looseText(b)
      if (t !== undefined && t !== '') texts.push(t)
      else ctx.warnings.push(`dropped an assistant ${b.type} block`)
    }
  }
  const content = texts.join('\n')
  const msg: OpenAIAssistantMessage = {
    role: 'assistant',
    content: content === '' && calls.length > 0 ? null : content,
  }
  if (reasoning.length > 0) msg.reasoning = reasoning.join('\n')
  if (calls.length > 0) msg.tool_calls = calls
  ctx.out.push(msg)
  return ctx.backend.historyToolCallsAsText ? [] : ids
}

/** Calls of the previous assistant message that got no tool_result (Esc in Claude Code). */
function answerMissing(calls: string[], answered: Set<string>, ctx: Ctx): void {
  for (const id of calls) {
    if (answered.has(id)) continue
    // llama.cpp and vLLM templates fail on a tool call without a result.
    ctx.warnings.push(`tool_use ${id} has no tool_result; sent "${NO_RESULT}"`)
    ctx.out.push({ role: 'tool', tool_call_id: ctx.mapId(id), content: NO_RESULT })
    answered.add(id)
  }
}

/** A user message → tool messages (answering `calls`), then one user message with the rest. */
function user(blocks: AnyBlock[], calls: string[], ctx: Ctx): void {
  const parts: OpenAIContentPart[] = []
  const answered = new Set<string>()
  const carried = ctx.carried.length
  for (const b of blocks) {
    if (b.type !== 'tool_result') continue
    const id = String(b.tool_use_id)
    const content = flattenToolResult(b, ctx)
    if (ctx.backend.historyToolCallsAsText) {
      // Hermes templates render results this way (MLX-Textgen does it internally).
      parts.push({ type: 'text', text: `<tool_response>\n${content}\n</tool_response>` })
    } else if (calls.includes(id) && !answered.has(id)) {
      ctx.out.push({ role: 'tool', tool_call_id: ctx.mapId(id), content })
      answered.add(id)
    } else {
      // OpenAI requires each tool message to answer a call of the assistant message just before.
      ctx.warnings.push(
        `tool_result ${id} answers no tool_use of the previous message; sent as text`,
      )
      parts.push({ type: 'text', text: `[tool result for ${id}]: ${content}` })
    }
  }
  answerMissing(calls, answered, ctx)
  ctx.carried.slice(carried).forEach((image, i) => {
    parts.push({ type: 'text', text: `[image #${carried + i + 1}]` }, image)
  })
  for (const b of blocks) {
    if (b.type === 'tool_result') continue
    if (b.type === 'tool_use' || b.type === 'thinking' || b.type === 'redacted_thinking') {
      ctx.warnings.push(`dropped a ${b.type} block from a user message`)
      continue
    }
    parts.push(...blockToParts(b, ctx))
  }
  if (parts.length === 0) return
  const textOnly = parts.every((p) => p.type === 'text')
  const content = textOnly ? parts.map((p) => (p.type === 'text' ? p.text : '')).join('\n') : parts
  ctx.out.push({ role: 'user', content })
}

type Message = MessagesRequest['messages'][number]

/** What translating one message added to the context, to add again without translating it. */
type Translation = {
  out: readonly OpenAIMessage[]
  warnings: readonly string[]
  carried: readonly OpenAIImagePart[]
  calls: string[]
}

/**
 * Shared normalized messages (frozen, see normalize.ts) → their translations, by context. A long
 * session resends every earlier message on each turn: translated once, and with their bytes kept
 * (reuseEncoding), a turn's history costs a lookup per message instead of ~4 µs per KB.
 */
const translations = new WeakMap<Message, Map<string, Translation>>()
/** Contexts remembered per message (one in practice: one backend, one history). */
const CONTEXTS = 4

/**
 * Everything a message's translation depends on besides the message: the backend's switches,
 * the calls it may answer, the images carried so far (their numbers). Undefined when the
 * translation cannot be kept: the short tool-id mapping depends on all earlier ids.
 */
function contextKey(m: Message, calls: string[], ctx: Ctx): string | undefined {
  if (ctx.backend.shortToolIds || m.role === 'system' || !Object.isFrozen(m)) return undefined
  const b = ctx.backend
  const flags = `${+ctx.images}${+b.replayThinking}${+b.historyToolCallsAsText}`
  return `${flags}:${ctx.carried.length}:${m.role === 'user' ? calls.join(' ') : ''}`
}

/** Runs `translate` for `m` once per context; later runs replay what it added to `ctx`. */
function translateOnce(m: Message, calls: string[], ctx: Ctx, translate: () => string[]): string[] {
  const key = contextKey(m, calls, ctx)
  if (key === undefined) return translate()
  const known = translations.get(m)?.get(key)
  if (known) {
    ctx.out.push(...known.out)
    ctx.warnings.push(...known.warnings)
    ctx.carried.push(...known.carried)
    return known.calls
  }
  const from = { out: ctx.out.length, warnings: ctx.warnings.length, carried: ctx.carried.length }
  const result = translate()
  const out = ctx.out.slice(from.out)
  for (const message of out) reuseEncoding(deepFreeze(message))
  const entry: Translation = {
    out,
    warnings: ctx.warnings.slice(from.warnings),
    carried: deepFreeze(ctx.carried.slice(from.carried)),
    calls: result,
  }
  const byContext = translations.get(m) ?? new Map<string, Translation>()
  if (byContext.size >= CONTEXTS) byContext.clear()
  translations.set(m, byContext.set(key, entry))
  return result
}

/**
 * Converts `system` and `messages`; see the module comment and protocol.md §6.3.
 *
 * @example toOpenAIMessages(normalizeRequest(req, opts).value, backend).value[0].role // 'system'
 */
export function toOpenAIMessages(
  req: MessagesRequest,
  backend: Backend,
): Translated<OpenAIMessage[]> {
  const ctx: Ctx = {
    backend,
    // Ollama splits a content array into several messages: strings only there.
    images: backend.vision && !backend.stringContentOnly,
    warnings: [],
    carried: [],
    mapId: createToolIdMapper(backend.shortToolIds),
    out: [],
  }
  const system = systemMessage(req.system)
  if (system) ctx.out.push(system)
  let calls: string[] = []
  req.messages.forEach((m, i) => {
    if (m.role === 'user') {
      const answering = calls
      translateOnce(m, answering, ctx, () => {
        user(blocksOf(m.content), answering, ctx)
        return []
      })
      calls = []
      return
    }
    answerMissing(calls, new Set(), ctx)
    calls = []
    if (m.role === 'assistant')
      calls = translateOnce(m, [], ctx, () => assistant(blocksOf(m.content), ctx))
    else {
      const blocks = blocksOf(m.content)
      ctx.warnings.push(`messages[${i}]: role system not normalized; sent as a system message`)
      const text = blocks.flatMap((b) => (typeof b.text === 'string' ? [b.text] : [])).join('\n\n')
      ctx.out.push({ role: 'system', content: text })
    }
  })
  answerMissing(calls, new Set(), ctx)
  return { value: ctx.out, warnings: ctx.warnings }
}
