/** @module replay-diff: a small line diff (longest common subsequence) in unified format. */

export type DiffOp = { op: ' ' | '-' | '+'; line: string }

/** Above this many cells the table would be too large: the middle is compared as replaced. */
const MAX_CELLS = 4_000_000

/**
 * The edit script from `a` to `b`.
 * @example diffLines(['a', 'b'], ['a', 'c']) // [' a', '-b', '+c']
 */
export function diffLines(a: readonly string[], b: readonly string[]): DiffOp[] {
  // Common head and tail first: answers usually differ in a small part.
  let start = 0
  while (start < a.length && start < b.length && a[start] === b[start]) start++
  let endA = a.length
  let endB = b.length
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--
    endB--
  }
  const head = a.slice(0, start).map((line): DiffOp => ({ op: ' ', line }))
  const tail = a.slice(endA).map((line): DiffOp => ({ op: ' ', line }))
  const midA = a.slice(start, endA)
  const midB = b.slice(start, endB)
  const n = midA.length
  const m = midB.length
  if ((n + 1) * (m + 1) > MAX_CELLS)
    return [
      ...head,
      ...midA.map((line): DiffOp => ({ op: '-', line })),
      ...midB.map((line): DiffOp => ({ op: '+', line })),
      ...tail,
    ]
  // lcs[i][j]: longest common subsequence of midA[i..] and midB[j..], in one flat array.
  const w = m + 1
  const lcs = new Uint32Array((n + 1) * w)
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i * w + j] =
        midA[i] === midB[j]
          ? lcs[(i + 1) * w + j + 1]! + 1
          : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!)
  const mid: DiffOp[] = []
  let i = 0
  let j = 0
  while (i < n && j < m) {
    if (midA[i] === midB[j]) {
      mid.push({ op: ' ', line: midA[i]! })
      i++
      j++
    } else if (lcs[(i + 1) * w + j]! >= lcs[i * w + j + 1]!) mid.push({ op: '-', line: midA[i++]! })
    else mid.push({ op: '+', line: midB[j++]! })
  }
  while (i < n) mid.push({ op: '-', line: midA[i++]! })
  while (j < m) mid.push({ op: '+', line: midB[j++]! })
  return [...head, ...mid, ...tail]
}

/**
 * Unified-diff hunks with `context` unchanged lines around each change; '' when equal.
 * @param labels the `---` and `+++` names
 */
export function unifiedDiff(ops: readonly DiffOp[], labels: [string, string], context = 3): string {
  if (!ops.some((o) => o.op !== ' ')) return ''
  const out = [`--- ${labels[0]}`, `+++ ${labels[1]}`]
  const keep = new Array<boolean>(ops.length).fill(false)
  ops.forEach((o, k) => {
    if (o.op === ' ') return
    for (let x = Math.max(0, k - context); x <= Math.min(ops.length - 1, k + context); x++)
      keep[x] = true
  })
  let lineA = 1
  let lineB = 1
  let k = 0
  while (k < ops.length) {
    if (!keep[k]) {
      if (ops[k]!.op !== '+') lineA++
      if (ops[k]!.op !== '-') lineB++
      k++
      continue
    }
    const startA = lineA
    const startB = lineB
    const body: string[] = []
    while (k < ops.length && keep[k]) {
      const o = ops[k]!
      body.push(`${o.op}${o.line}`)
      if (o.op !== '+') lineA++
      if (o.op !== '-') lineB++
      k++
    }
    const countA = lineA - startA
    const countB = lineB - startB
    out.push(`@@ -${startA},${countA} +${startB},${countB} @@`, ...body)
  }
  return `${out.join('\n')}\n`
}
