/**
 * @module translate/tool-ids: tool-call ids as the backend's chat template accepts them.
 *
 * Mistral-family templates (mlx-lm#1375, vllm#9019) reject any id that is not exactly 9
 * characters of `[a-zA-Z0-9]`. The short id is a hash of the Anthropic id, so every request maps
 * the same history to the same ids (byte-stable prompts) with no state kept between requests.
 */

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const SHORT_ID = /^[A-Za-z0-9]{9}$/

/** cyrb53 (public domain, bryc): a fast 53-bit string hash; 62^9 > 2^53, so 9 digits hold it. */
function hash53(text: string, seed: number): number {
  let h1 = 0xdeadbeef ^ seed
  let h2 = 0x41c6ce57 ^ seed
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i)
    h1 = Math.imul(h1 ^ ch, 2654435761)
    h2 = Math.imul(h2 ^ ch, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return 4294967296 * (2097151 & h2) + (h1 >>> 0)
}

function base62(n: number): string {
  let out = ''
  for (let i = 0; i < 9; i++) {
    out = ALPHABET[n % 62] + out
    n = Math.floor(n / 62)
  }
  return out
}

/**
 * Returns the id mapping for one request: identity, or the 9-alphanumeric hash. Collisions are
 * resolved by rehashing in order of first appearance, which depends only on earlier messages.
 *
 * @example createToolIdMapper(true)('toolu_01A09q90qw90lq917835lq9') // e.g. '3kZ9aQ0bX'
 */
export function createToolIdMapper(short: boolean): (id: string) => string {
  if (!short) return (id) => id
  const byOriginal = new Map<string, string>()
  const taken = new Set<string>()
  return (id) => {
    const known = byOriginal.get(id)
    if (known !== undefined) return known
    let candidate = SHORT_ID.test(id) ? id : base62(hash53(id, 0))
    for (let seed = 1; taken.has(candidate); seed++) candidate = base62(hash53(id, seed))
    byOriginal.set(id, candidate)
    taken.add(candidate)
    return candidate
  }
}
