/**
 * @module translate/normalize: one canonical Anthropic request, whatever Claude Code's quirks.
 *
 * Everything here serves the backend's KV cache (design.md, "Rules that keep the backend's cache
 * warm"): the billing block that varies per conversation goes, `cache_control` (which Claude Code
 * moves to the newest message on every request) goes, and a single text block renders exactly like
 * the plain string Claude Code re-sends it as on the next turn. The result for messages[0..k]
 * never depends on messages after k, except that the last message may still merge with a later
 * one.
 */
import type { ContentBlockParamT, MessageParamT, MessagesRequest } from '../schemas/anthropic.js'
import { deepFreeze } from './freeze.js'
import type { Translated } from './openai-request-types.js'

export type NormalizeOptions = {
  /** Remove Claude Code 2.1's `x-anthropic-billing-header:` system block (varies per conversation). */
  stripBillingHeader: boolean
}

type Block = ContentBlockParamT
type TextBlock = { type: 'text'; text: string }
type Role = 'user' | 'assistant'

const BILLING_PREFIX = 'x-anthropic-billing-header:'

const isText = (b: { type: string }): b is TextBlock =>
  b.type === 'text' && typeof (b as { text?: unknown }).text === 'string'

const withoutCacheControl = <T extends object>(o: T): T => {
  if (!('cache_control' in o)) return o
  const { cache_control: _drop, ...rest } = o as T & { cache_control?: unknown }
  return rest as T
}

/** Drops cache_control and empty text blocks, also inside tool_result content. */
function cleanBlocks(blocks: readonly Block[]): Block[] {
  const out: Block[] = []
  for (const block of blocks) {
    if (isText(block) && block.text === '') continue
    let b = withoutCacheControl(block)
    const inner: unknown = b.type === 'tool_result' ? b.content : undefined
    if (Array.isArray(inner)) b = { ...b, content: cleanBlocks(inner as Block[]) }
    out.push(b)
  }
  return out
}

function toBlocks(content: MessageParamT['content']): Block[] {
  if (typeof content !== 'string') return cleanBlocks(content)
  return content === '' ? [] : [{ type: 'text', text: content }]
}

/** The text of a system block list or a role:system message (non-text parts have no meaning there). */
const textsOf = (content: MessageParamT['content'], warnings: string[], where: string): string[] =>
  toBlocks(content).flatMap((b) => {
    if (isText(b)) return [b.text]
    warnings.push(
      `${where}: dropped a ${b.type} block (only text is meaningful in a system prompt)`,
    )
    return []
  })

function systemTexts(req: MessagesRequest, opts: NormalizeOptions, warnings: string[]): string[] {
  const system = req.system
  if (system === undefined || system === null) return []
  const texts = textsOf(system as MessageParamT['content'], warnings, 'system')
  if (!opts.stripBillingHeader) return texts
  return texts.flatMap((t) => {
    if (!t.startsWith(BILLING_PREFIX)) return [t]
    // A plain-string system may carry the header as its first line.
    const rest = t.includes('\n') ? t.slice(t.indexOf('\n') + 1) : ''
    return rest === '' ? [] : [rest]
  })
}

/** `source`: the one message it comes from, unmerged (its normalized form can be shared). */
type Draft = { role: Role; blocks: readonly Block[]; original: boolean; source?: MessageParamT }

/**
 * Shared messages (frozen: validate's reuse hands out the same object while a message's text
 * repeats) → their normalized form, the same frozen object every time, which lets the
 * translation and its bytes be kept for it too (messages.ts, encode-json.ts).
 */
const normalizedOf = new WeakMap<MessageParamT, MessageParamT>()

/** The blocks of a normalized message (the inverse of {@link canonical}). */
const blocksOfContent = (content: MessageParamT['content']): readonly Block[] =>
  typeof content === 'string' ? [{ type: 'text', text: content }] : content

/** The normalized message for a draft, shared when it stands for one shared message. */
function messageOf(d: Draft): MessageParamT {
  const source = d.source
  if (source === undefined || !Object.isFrozen(source))
    return { role: d.role, content: canonical(d.blocks) }
  let known = normalizedOf.get(source)
  if (known === undefined) {
    known = deepFreeze({ role: d.role, content: canonical(d.blocks) })
    normalizedOf.set(source, known)
  }
  return known
}

/** Tool results first, so a merged user turn stays valid for the Anthropic API too. */
const mergeBlocks = (role: Role, a: readonly Block[], b: readonly Block[]): Block[] => {
  if (role !== 'user') return [...a, ...b]
  const all = [...a, ...b]
  return [
    ...all.filter((x) => x.type === 'tool_result'),
    ...all.filter((x) => x.type !== 'tool_result'),
  ]
}

/** (Blocks of a shared message reach here only merged, i.e. copied: never a frozen array.) */
const canonical = (blocks: readonly Block[]): MessageParamT['content'] =>
  blocks.length === 1 && blocks[0] && isText(blocks[0]) ? blocks[0].text : (blocks as Block[])

/**
 * Canonicalises a request before translation; see the module comment. Idempotent.
 *
 * @example normalizeRequest(req, { stripBillingHeader: true }).value.messages // no role:'system'
 */
export function normalizeRequest(
  req: MessagesRequest,
  opts: NormalizeOptions,
): Translated<MessagesRequest> {
  const warnings: string[] = []
  const system = systemTexts(req, opts, warnings)
  const firstAssistant = req.messages.findIndex((m) => m.role === 'assistant')
  const drafts: Draft[] = []

  req.messages.forEach((m, i) => {
    if (m.role === 'system') {
      const texts = textsOf(m.content, warnings, `messages[${i}]`)
      // Claude Code 2.1 sends the agent and skills list as messages[1], before any answer: it
      // belongs to the system prompt. A later one must stay where it stands, or earlier turns
      // (already in the backend's KV cache) would be rewritten.
      if (firstAssistant === -1 || i < firstAssistant) system.push(...texts)
      else if (texts.length > 0) {
        const text = `<system-reminder>\n${texts.join('\n\n')}\n</system-reminder>`
        drafts.push({ role: 'user', blocks: [{ type: 'text', text }], original: false })
      }
      return
    }
    const known = normalizedOf.get(m)
    const blocks = known ? blocksOfContent(known.content) : toBlocks(m.content)
    if (blocks.length === 0) {
      warnings.push(`messages[${i}]: dropped an empty ${m.role} message`)
      return
    }
    drafts.push({ role: m.role, blocks, original: true, source: m })
  })

  const merged: Draft[] = []
  for (const d of drafts) {
    const prev = merged.at(-1)
    if (prev?.role !== d.role) {
      merged.push({ ...d })
      continue
    }
    if (prev.original && d.original) warnings.push(`merged consecutive ${d.role} messages`)
    prev.blocks = mergeBlocks(d.role, prev.blocks, d.blocks)
    prev.source = undefined
    prev.original = prev.original || d.original
  }

  const {
    system: _system,
    cache_control: _cc,
    ...rest
  } = req as MessagesRequest & {
    cache_control?: unknown
  }
  const value: MessagesRequest = {
    ...rest,
    ...(system.length > 0
      ? { system: system.map((text) => ({ type: 'text' as const, text })) }
      : {}),
    messages: merged.map(messageOf),
    ...(req.tools ? { tools: req.tools.map(withoutCacheControl) } : {}),
  }
  return { value, warnings }
}
