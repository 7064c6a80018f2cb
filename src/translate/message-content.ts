/**
 * @module translate/message-content: Anthropic content blocks → OpenAI content parts and text.
 *
 * Used by the message conversion for user turns and tool results. Every block a backend cannot
 * take (images without vision, PDFs, server-tool artefacts) becomes a short text placeholder, so
 * the model still sees that something was there.
 */
import type { OpenAIContentPart, OpenAIImagePart } from './openai-request-types.js'

export type AnyBlock = { type: string; [key: string]: unknown }

export type PartContext = {
  /** Image parts may be sent (the backend has vision and takes content arrays). */
  images: boolean
  warnings: string[]
  /** Images found inside tool results, to be attached to the following user message. */
  carried: OpenAIImagePart[]
}

export const IMAGE_OMITTED = '[image omitted: this backend does not accept images]'
export const NO_OUTPUT = '(no output)'

const text = (t: string): OpenAIContentPart => ({ type: 'text', text: t })
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null

/** The text a block carries in `text` or `content`, if any (search results, server-tool artefacts). */
export function looseText(block: AnyBlock): string | undefined {
  if (typeof block.text === 'string') return block.text
  if (typeof block.content === 'string') return block.content
  if (!Array.isArray(block.content)) return undefined
  const texts = block.content.flatMap((c) =>
    isRecord(c) && typeof c.text === 'string' ? [c.text] : [],
  )
  return texts.length > 0 ? texts.join('\n') : undefined
}

function imagePart(block: AnyBlock, ctx: PartContext): OpenAIContentPart {
  if (!ctx.images) return text(IMAGE_OMITTED)
  const source = isRecord(block.source) ? block.source : {}
  if (source.type === 'base64' && typeof source.data === 'string') {
    const url = `data:${str(source.media_type) ?? 'image/png'};base64,${source.data}`
    return { type: 'image_url', image_url: { url } }
  }
  if (source.type === 'url' && typeof source.url === 'string') {
    return { type: 'image_url', image_url: { url: source.url } }
  }
  ctx.warnings.push(`image with a ${String(source.type)} source replaced by a placeholder`)
  return text(`[image omitted: ${String(source.type)} sources are not supported]`)
}

/** Plain-text and `content` documents are inlined; PDFs and files no local server reads. */
function documentText(block: AnyBlock, warnings: string[]): string {
  const source = isRecord(block.source) ? block.source : {}
  const title = str(block.title)
  const head = title ? `[document: ${title}]\n` : ''
  if (source.type === 'text' && typeof source.data === 'string') return head + source.data
  if (source.type === 'content') {
    const inner = looseText({ type: 'content', content: source.content })
    if (inner !== undefined) return head + inner
  }
  const kind = str(source.media_type) ?? String(source.type)
  warnings.push(`document (${kind}) replaced by a placeholder`)
  return `[document omitted${title ? ` (${title})` : ''}: ${kind} documents are not supported]`
}

/**
 * One user-side block (not tool_result) → parts. Assistant-only blocks found in a user turn are
 * dropped with a warning.
 */
export function blockToParts(block: AnyBlock, ctx: PartContext): OpenAIContentPart[] {
  switch (block.type) {
    case 'text':
      return typeof block.text === 'string' && block.text !== '' ? [text(block.text)] : []
    case 'image':
      return [imagePart(block, ctx)]
    case 'document':
      return [text(documentText(block, ctx.warnings))]
    case 'search_result': {
      const head = [str(block.title), str(block.source)].filter(Boolean).join(' ')
      return [text(`[search result: ${head}]\n${looseText(block) ?? ''}`)]
    }
    default: {
      const t = looseText(block)
      if (t !== undefined && t !== '') return [text(t)]
      ctx.warnings.push(`dropped a ${block.type} block`)
      return []
    }
  }
}

/**
 * A tool_result's content as one string (tool messages take text only). Images are carried to the
 * next user message and leave a numbered placeholder; `is_error` becomes an `Error: ` prefix.
 */
export function flattenToolResult(block: AnyBlock, ctx: PartContext): string {
  const content = block.content
  const pieces: string[] = []
  if (typeof content === 'string') pieces.push(content)
  else if (Array.isArray(content)) {
    for (const item of content) {
      if (!isRecord(item) || typeof item.type !== 'string') continue
      for (const part of blockToParts(item as AnyBlock, ctx)) {
        if (part.type === 'text') pieces.push(part.text)
        else {
          ctx.carried.push(part)
          pieces.push(`[image #${ctx.carried.length} attached below]`)
        }
      }
    }
  }
  const joined = pieces.join('\n')
  // Some templates mishandle an empty tool message.
  const body = joined === '' ? NO_OUTPUT : joined
  return block.is_error === true ? `Error: ${body}` : body
}
