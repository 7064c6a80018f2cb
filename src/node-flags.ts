/**
 * @module node-flags: the V8 flags the anyclaude server runs with. The `anyclaude` command's
 * shebang and `npm start` pass them (V8 reads them only at start-up); a test keeps the three in
 * step.
 *
 * Why: anyclaude's live heap is ~25 MB, but V8's defaults size the heap for throughput on a big
 * server. At 64 streams in flight the young generation grew to 2 × 16 MB and the old generation to
 * about three times its live size between full collections: a peak RSS of ~230 MB for 25 MB of
 * live data (heap snapshots and `--trace-gc`, see the README's Benchmarks). With a young
 * generation of 2 × 6 MB and the old one allowed to grow by 40 % of its live size, the peak is under
 * 150 MB at the same throughput and CPU (the collections are small: the live set is small). Chosen
 * among 8/50, 8/35, 6/50 and 6/40 by peak RSS over repeated c=64 runs (CPU was the same).
 */
export const NODE_FLAGS = ['--max-semi-space-size=6', '--heap-growing-percent=40'] as const
