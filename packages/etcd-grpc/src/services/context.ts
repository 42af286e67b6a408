// What every service handler is built from: the backend and the server's resolved options.
import type { EtcdBackend } from '../backend.js';
import type { CallGate } from '../unary-method.js';

/** The resolved options the handlers read. */
export interface ServiceContext {
  readonly backend: EtcdBackend;
  /** What every call passes before its handler runs (learner, `hasleader`, leader loss). */
  readonly gate: CallGate;
  /** Requests whose encoded size exceeds this get "etcdserver: request is too large". */
  readonly maxRequestBytes: number;
  /** The most operations one txn branch (or its compare list) may hold. */
  readonly txnOpsMax: number;
  /** How often watchers that asked for progress notifications get one, in milliseconds. */
  readonly watchProgressNotifyMs: number;
}
