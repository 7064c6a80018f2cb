/**
 * @module node-flags: the V8 flags the anyclaude server runs with. The `anyclaude` command's
 * shebang and `npm start` pass them (V8 reads them only at start-up); a test keeps the three in
 * step.
 *
 * Why: anyclaude's live heap is ~25 MB, but V8's defaults size the heap for throughput on a big
 * server. At 64 streams in flight the young generation grew to 2 × 16 MB and the old generation to
 * about three times its live size between full collections: a peak RSS of ~230 MB for 25 MB of
 * live data (heap snapshots and `--trace-gc`, see the README's Benchmarks). The old generation may
 * grow by 40 % of its live size; without that limit the peak was 205 MB.
 *
 * The young generation is 2 × 6 MB. Smaller ones suit long sessions better and busy servers
 * worse: a 450 KB session turn, whose history is no longer parsed or translated again, makes
 * little young garbage, so young collections are rare and its request and upstream bodies
 * (external memory, ~1.4 MB a turn) pile up against the 40 % limit instead: a full collection
 * every ~12 turns (own bench, long session at c=1: TTFT p95 30 ms, 10 ms CPU per turn; 2 × 2 MB:
 * 9 ms and 4.4 ms). But at c=64 2 × 2 MB cost 5.5 s CPU per 1000 requests instead of 4.8 and
 * reached 84 % of the harness's limit instead of 97 % (shared harness, same run): the targets
 * are for c=64, and for one user a few ms per 450 KB turn are lost in the model's prefill.
 *
 * One V8 worker thread instead of four (a Node option, not a V8 flag). Its jobs (compiling hot
 * functions, concurrent marking and sweeping) compete with the main thread: where the proxy has
 * one core, four runnable workers left the main thread a fifth of it while the JIT warmed up.
 * Together with the workers' lower priority (thread-priority.ts), the shared harness's added time
 * to first token at c=1 went from 2.6-2.7 to 1.9-2.0 ms and CPU per 1000 requests from 4.8 to
 * 3.9 s, at the same peak RSS (140-148 MB). Lowering the priority of four workers alone reached
 * 1.9-2.1 ms but 176-183 MB at c=64: starved of CPU by a busy main thread, the garbage
 * collector's helpers fell behind.
 */
export const NODE_FLAGS = [
  '--max-semi-space-size=6',
  '--heap-growing-percent=40',
  '--v8-pool-size=1',
] as const
