/** @module cli-help: `anyclaude --help`, every option with its environment equivalent. */
export const helpText =
  (): string => `anyclaude: run Claude Code on local models (MLX-Textgen, mlx-lm, LM Studio, llama.cpp, Ollama, vLLM)

Usage:
  anyclaude [options] [--] [claude arguments]   start the proxy, then Claude Code pointed at it
  anyclaude --proxy-only [options]              only the proxy (npm start)
  anyclaude doctor [options]                    check every configured backend
  anyclaude replay <trace.jsonl> [options]      re-send a traced request and show the difference
  anyclaude check-cache <requests.jsonl>        report how much of each follow-up's prompt is cacheable

Options (flag / environment / JSON key, default):
  --port N          ANYCLAUDE_PORT          port      8082 (0 = any free port)
  --host H          ANYCLAUDE_HOST          host      127.0.0.1
  --mode M          ANYCLAUDE_MODE          mode      auto | mlx-textgen | mlx-lm | lmstudio | <backend name>
  --config FILE     ANYCLAUDE_CONFIG        -         none (JSON file: backends, rules, any key below)
  --debug 0-3       ANYCLAUDE_DEBUG         debug     0 (1 request lines, 2 + bodies, 3 + trace files)
  --proxy-only      ANYCLAUDE_PROXY_ONLY    -         false
  --help, --version

Environment only:
  ANYCLAUDE_API_KEY            proxy key clients must send (default: any key accepted)
  MLX_TEXTGEN_URL / _MODEL / _API_KEY   default http://127.0.0.1:5001/v1
  MLX_LM_URL / _MODEL / _API_KEY        default http://127.0.0.1:8080/v1
  LMSTUDIO_URL / _MODEL / _API_KEY      default http://127.0.0.1:1234/v1
  ANYCLAUDE_PING_MS            keep-alive ping interval (10000)
  ANYCLAUDE_BODY_LIMIT         largest request body in bytes (64 MB)
  ANYCLAUDE_FIRST_TOKEN_TIMEOUT_MS   no first token → error (600000)
  ANYCLAUDE_IDLE_TIMEOUT_MS    no data mid-answer → error (180000)
  ANYCLAUDE_STRIP_BILLING_HEADER     remove Claude Code's per-conversation billing block (true)
  ANYCLAUDE_HIDE_THINKING      hide thinking blocks from Claude Code (false)
  ANYCLAUDE_LOG_FILE, ANYCLAUDE_TRACE_DIR

Everything else on the command line goes to claude unchanged.
`
