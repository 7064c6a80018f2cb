/**
 * @module bench/lib/answer: the fake backend's deterministic answer, shared by the backend (which
 * sends it) and the load generator (which checks that it arrived intact).
 *
 * The text is awkward on purpose: multi-byte UTF-8 (accents, CJK, astral-plane emoji), quotes,
 * backslashes, tabs, newlines, text that looks like SSE framing, and `<` / `[` characters that the
 * text-format tool-call parser must hold and then release.
 */

const VOCABULARY = [
  'Reading',
  ' the',
  ' file',
  ' café',
  ' naïve',
  ' 日本語',
  ' 😀',
  ' 𝒳',
  ' "quoted"',
  ' C:\\path\\to',
  '\t',
  '\n',
  ' data: {"x":1}',
  '\n\n',
  ' event: ping',
  ' a < b',
  ' <br>',
  ' [link]',
  ' {brace}',
  ' résumé',
  ' –',
  ' ok.',
  ' \\n not a newline',
  ' Ω≈ç√',
]

/** Token `i` of the answer (never whitespace-only at i = 0, so no block is held back). */
export const token = (i) => VOCABULARY[(i * 7 + (i >> 3)) % VOCABULARY.length]

/** The whole answer text for `n` tokens. */
export function answerText(n) {
  let s = ''
  for (let i = 0; i < n; i++) s += token(i)
  return s
}

/** A string value for an argument: escapes and non-ASCII, so unescaping bugs show. */
const awkward = (name) => `${name}: echo "héllo" 'wörld' \\ 日本 😀 && ls -la /tmp`

/**
 * The tool the fake calls and its arguments: `Bash` when declared (Claude Code always declares it),
 * else the first tool; arguments satisfy the tool's schema (its required properties), so the
 * proxy's argument repair leaves them unchanged.
 * @param tools the OpenAI `tools` of the request
 * @returns {{ name: string, args: Record<string, unknown> } | undefined}
 */
export function toolCallFor(tools) {
  if (!Array.isArray(tools) || tools.length === 0) return undefined
  const fn = (tools.find((t) => t?.function?.name === 'Bash') ?? tools[0])?.function
  if (!fn?.name) return undefined
  const schema = fn.parameters ?? {}
  const props = schema.properties ?? {}
  const required = Array.isArray(schema.required) ? schema.required : Object.keys(props).slice(0, 2)
  const args = {}
  for (const key of required) {
    const type = Array.isArray(props[key]?.type) ? props[key].type[0] : props[key]?.type
    if (type === 'number' || type === 'integer') args[key] = 42
    else if (type === 'boolean') args[key] = true
    else if (type === 'array') args[key] = []
    else if (type === 'object') args[key] = {}
    else args[key] = awkward(key)
  }
  if (fn.name === 'Bash') args.description = 'Print a greeting — «test»'
  return { name: fn.name, args }
}

/** Deep equality of JSON values (key order ignored). */
export function jsonEqual(a, b) {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  if (ka.length !== kb.length) return false
  for (const k of ka) if (!Object.hasOwn(b, k) || !jsonEqual(a[k], b[k])) return false
  return true
}
