/** The V8 flags of src/node-flags.ts are the ones the command's shebang and `npm start` pass. */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { NODE_FLAGS } from '../../src/node-flags.js'

const root = new URL('../../', import.meta.url)

describe('node flags', () => {
  it('the anyclaude shebang passes exactly NODE_FLAGS (env -S splits them)', () => {
    const first = readFileSync(new URL('src/cli.ts', root), 'utf8').split('\n')[0]
    expect(first).toBe(`#!/usr/bin/env -S node ${NODE_FLAGS.join(' ')}`)
  })

  it('npm start passes exactly NODE_FLAGS', () => {
    const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'))
    expect(pkg.scripts.start).toBe(`node ${NODE_FLAGS.join(' ')} dist/cli.js --proxy-only`)
  })

  it('node accepts them', async () => {
    const { execFileSync } = await import('node:child_process')
    const out = execFileSync(process.execPath, [...NODE_FLAGS, '-e', 'console.log("ok")'])
    expect(out.toString().trim()).toBe('ok')
  })
})
