import { it } from 'vitest'
import { STREAM_FIXTURES, loadStreamFixture, translateOpenAI, foldAnthropicEvents, eventLines, SPLITS } from '../../helpers/stream-translate.js'
it('dump', async () => {
  for (const f of STREAM_FIXTURES) {
    const bytes = loadStreamFixture(f)
    const t = await translateOpenAI([bytes])
    console.log('=== ' + f)
    console.log(eventLines(t.events).join('\n'))
    let folded
    try { folded = foldAnthropicEvents(t.events) } catch (e) { folded = String(e) }
    console.log(JSON.stringify(folded))
    for (const s of SPLITS) {
      const u = await translateOpenAI(s.pieces(bytes))
      if (JSON.stringify(u) !== JSON.stringify(t)) console.log('  DIFF on split', s.name, JSON.stringify(u.events).slice(0, 300))
    }
  }
})
