// @keel/keel: the standalone member's programmatic surface (used by tools/chaos and tools/bench).
export { runKeel, describeResolvedConfig } from './cli.js';
export type { KeelIo } from './cli.js';
export { parseKeelCommand } from './command.js';
export type { KeelCommand } from './command.js';
export type { Env } from './env.js';
export { KeelError, isKeelError, keelErrorCodes } from './errors.js';
export type { KeelErrorCode } from './errors.js';
export { findFlag, flagTable, flagToEnv } from './flag-table.js';
export type { FlagDef, FlagEffect, FlagKind, FlagSection } from './flag-table.js';
export type { MemberOptions, SettingsSource } from './member-options.js';
export type { LogLevel, Note } from './notes.js';
export type { RestoreOptions } from './restore-args.js';
export { usageText } from './usage.js';
export { etcdApiVersion, keelVersion, versionText } from './version.js';
