/**
 * @module usage-calibration: prompt-token estimates calibrated per backend.
 *
 * Some backends report no usage (MLX-Textgen streams). A flat characters/4 misleads Claude Code's
 * auto-compact; instead the characters-per-token ratio of each backend is learned from the prompt
 * token counts it does report (any response with usage), and used when it reports none.
 */

/** Before any observation: Claude Code prompts are code and JSON, denser than prose. */
const DEFAULT_CHARS_PER_TOKEN = 3.3

export class UsageCalibrator {
  #ratios = new Map<string, { ratio: number; samples: number }>()
  readonly #onCalibrate?: (backend: string, ratio: number, samples: number) => void

  constructor(onCalibrate?: (backend: string, ratio: number, samples: number) => void) {
    this.#onCalibrate = onCalibrate
  }

  ratio(backend: string): number {
    return this.#ratios.get(backend)?.ratio ?? DEFAULT_CHARS_PER_TOKEN
  }

  /** Tokens for `chars` characters of upstream prompt JSON; at least 1 for a non-empty prompt. */
  estimate(backend: string, chars: number): number {
    return chars > 0 ? Math.max(1, Math.round(chars / this.ratio(backend))) : 0
  }

  /** Learns from a reported prompt size (exponential moving average, bounded to sane ratios). */
  observe(backend: string, chars: number, promptTokens: number): void {
    if (promptTokens <= 0 || chars <= 0) return
    const sample = Math.min(8, Math.max(1, chars / promptTokens))
    const prev = this.#ratios.get(backend)
    const next = prev
      ? { ratio: prev.ratio * 0.7 + sample * 0.3, samples: prev.samples + 1 }
      : { ratio: sample, samples: 1 }
    this.#ratios.set(backend, next)
    this.#onCalibrate?.(backend, next.ratio, next.samples)
  }
}
