/**
 * @module backends/effective: a backend as it must be spoken to at one URL, given what detection
 * found there (pure).
 */
import { KIND_PROFILES } from './kinds/index.js'
import type { Backend, BackendKind, BackendState } from './types.js'

/**
 * Quirks follow the server found, not the one configured (8080 is both mlx-lm's and llama-server's
 * default port). An `anthropic` backend speaks another protocol: detection never re-kinds it.
 */
const followsDetection = (configured: BackendKind, detected: BackendKind): boolean =>
  configured !== 'anthropic' && detected !== 'anthropic' && configured !== detected

/**
 * The backend with the detected kind's defaults under the configured fields, the detected context
 * window and vision (unless configured), and the model to send: configured, else detected, else
 * the kind's default.
 * @param state what the last probe of this URL found (undefined = nothing known yet)
 */
export function effectiveBackend(backend: Backend, state?: BackendState): Backend {
  const detected = state?.detectedKind
  const kind = detected && followsDetection(backend.kind, detected) ? detected : backend.kind
  const profile = KIND_PROFILES[kind]
  const configured = backend.configured ?? {}
  const out: Backend =
    kind === backend.kind
      ? { ...backend }
      : {
          // Only identity and configured fields carry over: optional defaults of the configured
          // kind (Ollama's small context, MLX-Textgen's max_tokens cap) must not.
          ...profile.defaults,
          ...configured,
          sampling: { ...profile.defaults.sampling, ...configured.sampling },
          name: backend.name,
          kind,
          urls: backend.urls,
          ...(backend.apiKey !== undefined && { apiKey: backend.apiKey }),
          configured,
        }
  if (configured.contextWindow === undefined && state?.contextWindow !== undefined)
    out.contextWindow = state.contextWindow
  if (configured.vision === undefined && state?.vision !== undefined) out.vision = state.vision
  const model =
    backend.model ??
    (profile.ignoreDetectedModel ? undefined : state?.models?.[0]) ??
    profile.defaultModel
  if (model === undefined) delete out.model
  else out.model = model
  return out
}
