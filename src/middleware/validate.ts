/**
 * @module middleware/validate: the request body → `c.var.request`, or a precise 400.
 *
 * Hand-rolled around zod instead of `hono/validator` because the errors must be exact: a wrong
 * content type, invalid UTF-8, malformed JSON, nesting too deep, and the failing field by path.
 */
import type { MiddlewareHandler } from 'hono'
import type { z } from 'zod'
import { invalidRequest } from '../errors.js'

export type ValidateVariables = { body: unknown }

export type ValidateOptions<S extends z.ZodType> = {
  schema: S
  /** Deepest JSON nesting accepted (deeper bodies are a 400, not a stack overflow). */
  maxDepth?: number
}

const decoder = new TextDecoder('utf-8', { fatal: true })

/** Nesting depth of a JSON text, counted outside strings; stops early past `limit`. */
export function jsonDepth(text: string, limit: number): number {
  let depth = 0
  let max = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i)
    if (inString) {
      if (ch === 92)
        i++ // backslash: skip the escaped character
      else if (ch === 34) inString = false
    } else if (ch === 34) inString = true
    else if (ch === 123 || ch === 91) {
      if (++depth > max) {
        max = depth
        if (max > limit) return max
      }
    } else if (ch === 125 || ch === 93) depth--
  }
  return max
}

type Issue = { code?: string; path: PropertyKey[]; message: string; errors?: Issue[][] }

/**
 * The most specific failure of an issue. Inside a union (a string or blocks; one block type or
 * another) it is the branch that got furthest, not one that merely failed on the `type` tag.
 */
function leaf(issue: Issue): { path: PropertyKey[]; message: string } {
  if (issue.code !== 'invalid_union' || !issue.errors?.length) return issue
  let best: { path: PropertyKey[]; message: string; score: number } | undefined
  for (const branch of issue.errors) {
    if (!branch[0]) continue
    const l = leaf(branch[0])
    const onTag = l.path.length === 1 && l.path[0] === 'type'
    const score = (onTag ? 0 : 1000) + l.path.length
    if (!best || score > best.score) best = { ...l, score }
  }
  return best ? { path: [...issue.path, ...best.path], message: best.message } : issue
}

/** `messages.0.content.1.text: Invalid input: expected string, received number` */
export const formatZodError = (error: z.ZodError): string => {
  const issue = error.issues[0]
  if (!issue) return 'invalid request'
  const { path, message } = leaf(issue as Issue)
  return `${path.length ? path.map(String).join('.') : 'body'}: ${message}`
}

/**
 * @param options.schema the zod schema (loose objects: unknown fields pass)
 * @param options.maxDepth default 256
 * @example app.post('/v1/messages', validate({ schema: MessagesRequestSchema }), handler)
 */
export const validate = <S extends z.ZodType>(options: ValidateOptions<S>): MiddlewareHandler => {
  const maxDepth = options.maxDepth ?? 256
  return async function validate(c, next) {
    const type = c.req.header('content-type') ?? ''
    if (!/^application\/json\b/i.test(type))
      throw invalidRequest(
        `content-type must be application/json (got ${type ? `"${type}"` : 'none'})`,
      )
    let text: string
    try {
      text = decoder.decode(await c.req.arrayBuffer())
    } catch {
      throw invalidRequest('the request body is not valid UTF-8')
    }
    if (jsonDepth(text, maxDepth) > maxDepth)
      throw invalidRequest(`the request body nests deeper than ${maxDepth} levels`)
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch (e) {
      throw invalidRequest(`malformed JSON in the request body: ${(e as Error).message}`)
    }
    const parsed = options.schema.safeParse(json)
    if (!parsed.success) throw invalidRequest(formatZodError(parsed.error))
    c.set('body', parsed.data)
    await next()
  }
}
