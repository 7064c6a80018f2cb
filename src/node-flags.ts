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
 * The young generation is 2 × 4 MB. Smaller ones suit long sessions better and busy servers
 * worse: a 450 KB session turn, whose history is no longer parsed or translated again, makes
 * little young garbage, so young collections are rare and its request and upstream bodies
 * (external memory, ~1.4 MB a turn) pile up against the 40 % limit instead: with 2 × 6 MB a full
 * collection every ~12 turns (own bench, long session at c=1: TTFT p95 30 ms, 10 ms CPU per turn;
 * 2 × 2 MB: 9 ms and 4.4 ms). But at c=64 2 × 2 MB cost 5.5 s CPU per 1000 requests instead of 4.8
 * and reached 84 % of the harness's limit instead of 97 %. 2 × 4 MB (with the flags below): peak
 * RSS 132-140 MB instead of 141-149 MB, CPU 3.9-4.4 s per 1000 requests, c=64 at 103-110 % of the
 * limit (shared harness, four full runs each, interleaved).
 *
 * One V8 worker thread instead of four (a Node option, not a V8 flag), and the garbage
 * collector on the main thread. The worker's jobs (compiling hot functions) compete with the main
 * thread: where the proxy has one core, four runnable workers left the main thread a fifth of it
 * while the JIT warmed up. With the worker's lower priority (thread-priority.ts) the shared
 * harness's added time to first token at c=1 went from 2.6-2.7 to 1.7-2.2 ms and CPU per 1000
 * requests from 4.8 to 3.8 s. The collector's concurrent work must not wait for a low-priority
 * thread: when the main thread is busy it falls behind and the heap grows (c=64 straight after
 * start: 150-163 MB with it on the worker, 145-148 MB on the main thread, 138-143 MB without the
 * lower priority). On one core a parallel collector gains nothing anyway.
 */
export const NODE_FLAGS = [
  '--max-semi-space-size=4',
  '--heap-growing-percent=40',
  '--v8-pool-size=1',
  '--single-threaded-gc',
] as const
