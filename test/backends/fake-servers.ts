/**
 * @module test/backends/fake-servers: in-process `fetch` stubs that answer like the real servers'
 * probe endpoints (shapes from each server's source: mlx-lm `server.py`, MLX-Textgen `engine.py`,
 * llama-server `/props`, LM Studio `/api/v0/models`, Ollama `/api/version` + `/api/ps`, vLLM).
 */

type Route = unknown | ((init?: RequestInit) => Response | Promise<Response>)
export type FakeServer = { routes: Record<string, Route>; notFound: () => Response }

export type FetchCall = { url: string; init?: RequestInit }

const json = (body: unknown, status = 200): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

/** `fetch` rejecting like undici when nothing listens on the port. */
export const refused = (url: string): Promise<Response> =>
  Promise.reject(
    new TypeError('fetch failed', {
      cause: Object.assign(new Error(`connect ECONNREFUSED ${new URL(url).host}`), {
        code: 'ECONNREFUSED',
      }),
    }),
  )

/**
 * One `fetch` for several fake servers, keyed by origin (`http://127.0.0.1:8080`). Origins without
 * a server refuse the connection. Every call is recorded in `calls`.
 */
export function fakeFetch(
  servers: Record<string, FakeServer>,
): typeof fetch & { calls: FetchCall[] } {
  const calls: FetchCall[] = []
  const fn = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    calls.push({ url, ...(init && { init }) })
    const { origin, pathname } = new URL(url)
    const server = servers[origin]
    if (!server) return refused(url)
    const route = server.routes[pathname]
    if (route === undefined) return server.notFound()
    return typeof route === 'function' ? route(init) : json(route)
  }
  return Object.assign(fn as typeof fetch, { calls })
}

/** llama-server (b6097-like): `/props`, `/v1/models` with owned_by "llamacpp", JSON 404s. */
export const llamaServer = (over: Partial<Record<string, Route>> = {}): FakeServer => ({
  routes: {
    '/props': {
      default_generation_settings: { id: 0, n_ctx: 32768, is_processing: false, params: {} },
      total_slots: 1,
      model_path: '/models/Qwen3-Coder-30B-A3B-Instruct-Q4_K_M.gguf',
      modalities: { vision: false, audio: false },
      build_info: 'b6097-9515c613',
    },
    '/v1/models': {
      object: 'list',
      data: [
        {
          id: 'qwen3-coder-30b',
          object: 'model',
          created: 1754000000,
          owned_by: 'llamacpp',
          meta: { n_ctx_train: 262144, n_params: 30532122624 },
        },
      ],
    },
    '/health': { status: 'ok' },
    ...over,
  },
  notFound: () =>
    json({ error: { code: 404, message: 'File Not Found', type: 'not_found_error' } }, 404),
})

/** mlx_lm.server: `/v1/models` lists the HF cache as {id, object, created}; `/health`; text 404s. */
export const mlxLmServer = (): FakeServer => ({
  routes: {
    '/v1/models': {
      object: 'list',
      data: [
        {
          id: 'mlx-community/Qwen3-Coder-30B-A3B-Instruct-4bit',
          object: 'model',
          created: 1754000000,
        },
        { id: 'mlx-community/Llama-3.2-3B-Instruct-4bit', object: 'model', created: 1754000000 },
      ],
    },
    '/health': { status: 'ok' },
  },
  notFound: () => new Response('Not Found', { status: 404 }),
})

/** MLX-Textgen (FastAPI): model entries with owned_by null, permission [], root "root". */
export const mlxTextgenServer = (): FakeServer => ({
  routes: {
    '/v1/models': {
      object: 'list',
      data: [
        {
          id: 'Qwen3-Coder-30B',
          object: 'model',
          created: 1754000000,
          owned_by: null,
          permission: [],
          root: 'root',
        },
      ],
    },
  },
  notFound: () => json({ detail: 'Not Found' }, 404),
})

/** LM Studio: `/api/v0/models` with states and context lengths; unknown paths answer 200 + error. */
export const lmStudioServer = (): FakeServer => ({
  routes: {
    '/api/v0/models': {
      object: 'list',
      data: [
        {
          id: 'text-embedding-nomic-embed-text-v1.5',
          object: 'model',
          type: 'embeddings',
          state: 'not-loaded',
          max_context_length: 2048,
        },
        {
          id: 'google/gemma-3-12b',
          object: 'model',
          type: 'vlm',
          state: 'not-loaded',
          max_context_length: 131072,
        },
        {
          id: 'qwen/qwen3-coder-30b',
          object: 'model',
          type: 'llm',
          publisher: 'qwen',
          arch: 'qwen3moe',
          compatibility_type: 'gguf',
          quantization: 'Q4_K_M',
          state: 'loaded',
          max_context_length: 262144,
          loaded_context_length: 40960,
        },
      ],
    },
    '/v1/models': {
      object: 'list',
      data: [
        {
          id: 'text-embedding-nomic-embed-text-v1.5',
          object: 'model',
          owned_by: 'organization_owner',
        },
        { id: 'google/gemma-3-12b', object: 'model', owned_by: 'organization_owner' },
        { id: 'qwen/qwen3-coder-30b', object: 'model', owned_by: 'organization_owner' },
      ],
    },
  },
  // LM Studio answers unknown endpoints with 200 and an error object.
  notFound: () => json({ error: 'Unexpected endpoint or method.' }),
})

/** Ollama: `/api/version`, `/api/ps` (loaded models with their context), text 404s. */
export const ollamaServer = (): FakeServer => ({
  routes: {
    '/api/version': { version: '0.13.5' },
    '/api/ps': {
      models: [{ name: 'qwen3:32b', model: 'qwen3:32b', size: 21000000000, context_length: 8192 }],
    },
    '/v1/models': {
      object: 'list',
      data: [
        { id: 'qwen2.5-coder:7b', object: 'model', created: 1744000000, owned_by: 'library' },
        { id: 'qwen3:32b', object: 'model', created: 1744000000, owned_by: 'library' },
      ],
    },
  },
  notFound: () => new Response('404 page not found', { status: 404 }),
})

/** vLLM: `/version`, `/v1/models` with owned_by "vllm" and max_model_len. */
export const vllmServer = (): FakeServer => ({
  routes: {
    '/version': { version: '0.11.0' },
    '/health': () => new Response('', { status: 200 }),
    '/v1/models': {
      object: 'list',
      data: [
        {
          id: 'Qwen/Qwen3-Coder-30B-A3B-Instruct',
          object: 'model',
          created: 1754000000,
          owned_by: 'vllm',
          root: 'Qwen/Qwen3-Coder-30B-A3B-Instruct',
          parent: null,
          max_model_len: 65536,
          permission: [{ id: 'modelperm-1', object: 'model_permission', allow_sampling: true }],
        },
      ],
    },
  },
  notFound: () => json({ detail: 'Not Found' }, 404),
})
