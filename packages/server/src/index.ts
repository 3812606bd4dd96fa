export { makeConfig, resolveConfig, type ServerConfig } from './config.js';
export { openSqlite } from './data/sqlite.js';
export { createStore, type Store } from './data/store.js';
export { HttpError } from './errors.js';
export { type RunningServer, type StartOptions, startServer } from './server.js';
export { LocalDiskStorage } from './storage/local-disk.js';
export type { Storage } from './storage/storage.js';
export { VERSION } from './version.js';
