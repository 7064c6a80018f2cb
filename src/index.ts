/** @module anyclaude: the library entry: build the app, load the config, serve it. */
export { createApp, createRegistry } from './app.js'
export { type Config, ConfigError, loadConfig } from './config.js'
export { ProxyError } from './errors.js'
export { createUpstreamFetch, type RunningServer, startServer } from './server.js'
export type { AppDeps, AppEnv, Log } from './types.js'
