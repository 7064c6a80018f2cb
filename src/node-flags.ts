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
 * The young generation is 2 × 2 MB. With 2 × 6 MB (chosen first), a 450 KB long-session turn,
 * whose history is no longer parsed or translated again, made too little young garbage to be
 * collected often, so its request and upstream bodies (external memory, ~1 MB a turn) piled up
 * against the 40 % limit: a full collection every ~12 requests, TTFT p95 30 ms instead of 9, twice
 * the CPU. Shared harness: 2/40 gives peak RSS 127 MB at c=64 (6/40: 144), long-session TTFT
 * +1.7 ms (6/40: +2.3), for 4.2 s CPU per 1000 requests (6/40: 4.0).
 */
export const NODE_FLAGS = ['--max-semi-space-size=2', '--heap-growing-percent=40'] as const
