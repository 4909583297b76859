export { createApp } from './app/create-app.js';
export { AppModule, type AppDependencies } from './app/app.module.js';
export { buildDependencies, ensureBootstrapTokens, closeDependencies } from './app/runtime.js';
export { loadConfig, parseConfig, type AppConfig } from './config/config.js';
export { generateOpenApiDocument } from './openapi/generate.js';
