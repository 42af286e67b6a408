// The `keel` command as a function of its arguments, environment and output streams, so tests
// run it in-process; main.ts binds it to the real process.
import type { ResolvedConfig, ServerConfig } from '@keel/embed';
import { isEmbedError, resolveConfig } from '@keel/embed';
import { parseKeelCommand } from './command.js';
import type { KeelCommand } from './command.js';
import type { Env } from './env.js';
import { KeelError, isKeelError } from './errors.js';
import type { MemberOptions } from './member-options.js';
import type { LogLevel } from './notes.js';
import { isShown } from './notes.js';
import { usageHint } from './usage.js';
import { versionText } from './version.js';
import type { RestoreOptions } from './restore-args.js';
import { checkSnapshotFile } from './restore.js';

/** Where the command writes: whole lines, without their trailing newline. */
export interface KeelIo {
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
}

/**
 * What running the command decided: an exit status, or a member to start with this config (the
 * caller serves it, since starting a server is asynchronous).
 */
export type KeelOutcome =
  | { readonly exitCode: number }
  | {
      readonly serve: ServerConfig;
      readonly name: string;
      readonly logLevel: LogLevel;
      /** Where to serve the test-only fault endpoint, when `--unsafe-fault-injection-url` is set. */
      readonly faultInjectionUrl?: URL;
    }
  | { readonly restore: RestoreOptions & { readonly snapshotBytes: number } };

/** A resolved config as plain JSON: the initial cluster map becomes an object, no logger. */
export function describeResolvedConfig(config: ResolvedConfig): Record<string, unknown> {
  const { logger: _logger, initialCluster, ...rest } = config;
  return { ...rest, initialCluster: Object.fromEntries(initialCluster) };
}

function resolve(options: MemberOptions): ResolvedConfig {
  try {
    return resolveConfig(options.config);
  } catch (e) {
    if (!isEmbedError(e, 'INVALID_CONFIG')) throw e;
    throw new KeelError({ code: 'INVALID_CONFIG', message: e.message, cause: e });
  }
}

function runMember(command: Extract<KeelCommand, { kind: 'member' }>, io: KeelIo): KeelOutcome {
  const { options, dryRun } = command;
  for (const note of options.notes) {
    if (isShown(note.level, options.logLevel)) io.stderr(`keel: ${note.level}: ${note.text}`);
  }
  const resolved = resolve(options);
  if (dryRun) {
    io.stdout(JSON.stringify(describeResolvedConfig(resolved), null, 2));
    return { exitCode: 0 };
  }
  const fault = command.faultInjectionUrl;
  const member = { serve: options.config, name: resolved.name, logLevel: options.logLevel };
  return fault === undefined ? member : { ...member, faultInjectionUrl: fault };
}

function run(command: KeelCommand, io: KeelIo): KeelOutcome {
  switch (command.kind) {
    case 'help':
    case 'restore-help':
      io.stdout(command.text);
      return { exitCode: 0 };
    case 'version':
      io.stdout(versionText());
      return { exitCode: 0 };
    case 'member':
      return runMember(command, io);
    case 'restore':
      return {
        restore: { ...command.options, snapshotBytes: checkSnapshotFile(command.options) },
      };
  }
}

/**
 * Runs the `keel` command up to starting a member: returns the exit status (0 on success, else
 * the status etcd uses for the same failure, see `keelErrorCodes`), or the member to serve.
 * Errors are written to `io.stderr`.
 */
export function runKeel(argv: readonly string[], env: Env, io: KeelIo): KeelOutcome {
  try {
    return run(parseKeelCommand(argv, env), io);
  } catch (e) {
    if (!isKeelError(e)) throw e;
    io.stderr(`keel: ${e.message}`);
    if (isKeelError(e, 'UNKNOWN_FLAG') || isKeelError(e, 'BAD_FLAG_VALUE')) io.stderr(usageHint);
    return { exitCode: e.exitCode };
  }
}
