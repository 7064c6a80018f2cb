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
 */
export const NODE_FLAGS = ['--max-semi-space-size=6', '--heap-growing-percent=40'] as const
