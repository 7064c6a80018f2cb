/**
 * @module schemas/anthropic: a limited version of the Anthropic Messages request schema.
 *
 * Validates only what anyclaude uses, loosely: unknown fields and unknown block types pass, so a
 * newer Claude Code never gets a 400 for something it added.
 */
import { z } from 'zod'

const CacheControl = z.looseObject({ type: z.string() }).nullish()

export const TextBlockParam = z.looseObject({
  type: z.literal('text'),
  text: z.string(),
  cache_control: CacheControl,
})

const ImageSource = z.union([
  z.looseObject({ type: z.literal('base64'), media_type: z.string(), data: z.string() }),
  z.looseObject({ type: z.literal('url'), url: z.string() }),
  z.looseObject({ type: z.string() }),
])
export const ImageBlockParam = z.looseObject({ type: z.literal('image'), source: ImageSource })

export const DocumentBlockParam = z.looseObject({
  type: z.literal('document'),
  source: z.looseObject({ type: z.string() }),
  title: z.string().nullish(),
  context: z.string().nullish(),
})

export const ToolUseBlockParam = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string(),
  name: z.string(),
  input: z.unknown(),
})

export const ToolResultBlockParam = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string(),
  content: z.union([z.string(), z.array(z.looseObject({ type: z.string() }))]).nullish(),
  is_error: z.boolean().nullish(),
})

export const ThinkingBlockParam = z.looseObject({
  type: z.literal('thinking'),
  thinking: z.string(),
  signature: z.string().nullish(),
})

const KNOWN_BLOCKS = z.discriminatedUnion('type', [
  TextBlockParam,
  ImageBlockParam,
  DocumentBlockParam,
  ToolUseBlockParam,
  ToolResultBlockParam,
  ThinkingBlockParam,
])
const KNOWN_TYPES = new Set<string>(KNOWN_BLOCKS.options.map((o) => o.shape.type.value))

/**
 * Any other block type (server-tool artefacts, newer types): kept, then flattened or dropped.
 * A known type with a wrong field is not "other": it must fail with that field's path (a text
 * block whose `text` is a number would otherwise pass here). `abort` makes the union report the
 * known type's own failure instead of this one.
 */
const OtherBlockParam = z.looseObject({
  type: z.string().refine((t) => !KNOWN_TYPES.has(t), {
    message: 'a known block type with invalid fields',
    abort: true,
  }),
})

export const ContentBlockParam = z.union([KNOWN_BLOCKS, OtherBlockParam])

export const MessageParam = z.looseObject({
  role: z.enum(['user', 'assistant', 'system']),
  content: z.union([z.string(), z.array(ContentBlockParam)]),
})

export const ToolParam = z.looseObject({
  name: z.string().min(1),
  description: z.string().nullish(),
  input_schema: z.record(z.string(), z.unknown()).optional(),
  type: z.string().nullish(),
})

export const ToolChoiceParam = z.looseObject({
  type: z.enum(['auto', 'any', 'tool', 'none']),
  name: z.string().optional(),
  disable_parallel_tool_use: z.boolean().nullish(),
})

export const ThinkingParam = z.looseObject({
  type: z.string(),
  budget_tokens: z.number().nullish(),
})

export const MessagesRequestSchema = z.looseObject({
  model: z.string().min(1),
  max_tokens: z.number().int().nonnegative(),
  messages: z.array(MessageParam),
  system: z.union([z.string(), z.array(TextBlockParam.or(OtherBlockParam))]).nullish(),
  tools: z.array(ToolParam).nullish(),
  tool_choice: ToolChoiceParam.nullish(),
  temperature: z.number().nullish(),
  top_p: z.number().nullish(),
  top_k: z.number().nullish(),
  stop_sequences: z.array(z.string()).nullish(),
  stream: z.boolean().nullish(),
  metadata: z.looseObject({ user_id: z.string().nullish() }).nullish(),
  thinking: ThinkingParam.nullish(),
  output_config: z
    .looseObject({
      effort: z.string().nullish(),
      format: z.looseObject({ type: z.string(), schema: z.unknown().optional() }).nullish(),
    })
    .nullish(),
})

/** count_tokens takes the same fields without max_tokens. */
export const CountTokensRequestSchema = MessagesRequestSchema.extend({
  max_tokens: z.number().int().nonnegative().optional(),
})

export type MessagesRequest = z.infer<typeof MessagesRequestSchema>
export type MessageParamT = z.infer<typeof MessageParam>
export type ContentBlockParamT = z.infer<typeof ContentBlockParam>
export type ToolParamT = z.infer<typeof ToolParam>
