/** @module cli-help: `anyclaude --help`, every option with its environment equivalent. */
export const helpText =
  (): string => `anyclaude: run Claude Code on local models (MLX-Textgen, mlx-lm, LM Studio, llama.cpp, Ollama, vLLM)

Usage:
  anyclaude [options] [--] [claude arguments]   start the proxy, then Claude Code pointed at it
  anyclaude --proxy-only [options]              only the proxy (what npm start runs)
  anyclaude doctor [--timeout S] [--no-cache]   check every configured backend (or the --mode one)
  anyclaude replay <trace.jsonl> [--url URL] [--id ID]
                                                re-send a traced request, diff the new answer
  anyclaude check-cache <file|folder>... [--json]
                                                how much of each follow-up's prompt a backend
                                                can reuse from its cache (--mode picks the backend)

Options (flag / environment / JSON key, default):
  --port N          ANYCLAUDE_PORT          port      8082 with --proxy-only; any free port
                                                      when launching Claude Code (0 = any)
  --host H          ANYCLAUDE_HOST          host      127.0.0.1
  --mode M          ANYCLAUDE_MODE          mode      auto | mlx-textgen | mlx-lm | lmstudio | <backend name>
  --config FILE     ANYCLAUDE_CONFIG        -         none (JSON file: backends, rules, any key below)
  --debug 0-3       ANYCLAUDE_DEBUG         debug     0 (1 request lines, 2 + bodies, 3 + trace files)
  --proxy-only      ANYCLAUDE_PROXY_ONLY    -         false (PROXY_ONLY works too)
  --help, -h        this text
  --version         anyclaude's version

Environment only (JSON key in brackets):
  ANYCLAUDE_API_KEY            [apiKey] key clients must send (default: any key accepted);
                               the launcher hands it to Claude Code
  MLX_TEXTGEN_URL / _MODEL / _API_KEY   default http://127.0.0.1:5001/v1
  MLX_LM_URL / _MODEL / _API_KEY        default http://127.0.0.1:8080/v1
  LMSTUDIO_URL / _MODEL / _API_KEY      default http://127.0.0.1:1234/v1
  ANYCLAUDE_PING_MS            [pingIntervalMs] keep-alive ping interval (10000)
  ANYCLAUDE_BODY_LIMIT         [bodyLimit] largest request body in bytes (64 MB)
  ANYCLAUDE_FIRST_TOKEN_TIMEOUT_MS   [firstTokenTimeoutMs] no first token → error (600000)
  ANYCLAUDE_IDLE_TIMEOUT_MS    [idleTimeoutMs] no data mid-answer → error (180000)
  ANYCLAUDE_STRIP_BILLING_HEADER     [stripBillingHeader] drop Claude Code's per-conversation
                               billing block (true)
  ANYCLAUDE_HIDE_THINKING      [hideThinking] hide thinking blocks from Claude Code (false)
  ANYCLAUDE_LOG_FILE           [logFile] log here instead of stderr; the launcher's default is
                               $TMPDIR/anyclaude-<pid>.log
  ANYCLAUDE_TRACE_DIR          [traceDir] where --debug 3 writes one JSONL file per request
                               (~/.anyclaude/traces); keys are redacted
  ANYCLAUDE_CLAUDE_BIN         [claudeBin] the Claude Code executable (claude on PATH)

Launching Claude Code:
  Claude Code runs in this terminal with ANTHROPIC_BASE_URL (the proxy) and ANTHROPIC_AUTH_TOKEN
  (ANYCLAUDE_API_KEY, else the placeholder "anyclaude"); ANTHROPIC_API_KEY is removed, so a real
  key is never used. These are set only when your environment does not set them already:
    ANTHROPIC_MODEL=anyclaude-local              a fixed name: byte-stable prompts, 32k max_tokens
    ANTHROPIC_SMALL_FAST_MODEL=anyclaude-local
    CLAUDE_CODE_ATTRIBUTION_HEADER=0             no per-conversation block in the system prompt
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1   no telemetry or update checks
  Ctrl-C goes to Claude Code; SIGTERM and SIGHUP are passed on to it; anyclaude exits with its
  exit code once the proxy has stopped.

Everything else on the command line goes to claude unchanged (use -- before a claude argument
that anyclaude would take, e.g. anyclaude -- --help).
`
