// The node's configuration and its gateway check (STYLE.md §8): every field is validated once
// here, and an invalid one raises INVALID_CONFIG naming the field.
import { RaftError } from './errors.js';
import {
  applyBytesPerReadyMaxDefault,
  electionTicksMax,
  inflightBytesMaxDefault,
  inflightMsgsMaxCap,
  inflightMsgsMaxDefault,
  msgBytesMaxDefault,
  uncommittedBytesMaxDefault,
} from './limits.js';
import { noopLogger, type RaftLogger } from './logger.js';
import type { ReadOnlyOption } from './read-only.js';
import type { RandomSource, Storage } from './types.js';

/** How to build a `RawNode`. Ticks are the unit of time; sizes are bytes. */
export interface RaftConfig {
  /** This member's id; > 0. */
  id: number;
  /** Ticks without a leader before campaigning; the timeout is drawn from [T, 2T). > heartbeatTick. */
  electionTick: number;
  /** Ticks between a leader's heartbeats; > 0. */
  heartbeatTick: number;
  /** The durable log and state; read-only from raft's side. */
  storage: Storage;
  /** Where election timeouts are drawn from. */
  random: RandomSource;
  /** The last index applied before a restart; committed entries up to it are not handed out again. */
  applied?: number;
  /** Bytes of entries in one MsgApp (at least one entry is always sent). */
  maxSizePerMsg?: number;
  /** Bytes of committed entries handed out per Ready (at least one). */
  maxCommittedSizePerReady?: number;
  /** Payload bytes a leader accepts beyond its commit before dropping proposals. */
  maxUncommittedEntriesSize?: number;
  /** Appends in flight to one follower. */
  maxInflightMsgs?: number;
  /** Bytes in flight to one follower; 0 for no byte limit. */
  maxInflightBytes?: number;
  /** A leader steps down without hearing from a quorum for an election timeout. */
  checkQuorum?: boolean;
  /** Campaign with a pre-vote round first (Raft thesis §9.6). */
  preVote?: boolean;
  /** How ReadIndex is confirmed; `leaseBased` requires `checkQuorum`. Default `safe`. */
  readOnlyOption?: ReadOnlyOption;
  /** Followers drop proposals instead of forwarding them to the leader. */
  disableProposalForwarding?: boolean;
  /** A leader removed from (or demoted in) the configuration steps down. */
  stepDownOnRemoval?: boolean;
  /** Defaults to a logger that discards everything. */
  logger?: RaftLogger;
}

/** A validated config with every default filled in. */
export interface ResolvedConfig {
  readonly id: number;
  readonly electionTick: number;
  readonly heartbeatTick: number;
  readonly storage: Storage;
  readonly random: RandomSource;
  readonly applied: number;
  readonly maxSizePerMsg: number;
  readonly maxCommittedSizePerReady: number;
  readonly maxUncommittedEntriesSize: number;
  readonly maxInflightMsgs: number;
  readonly maxInflightBytes: number;
  readonly checkQuorum: boolean;
  readonly preVote: boolean;
  readonly readOnlyOption: ReadOnlyOption;
  readonly disableProposalForwarding: boolean;
  readonly stepDownOnRemoval: boolean;
  readonly logger: RaftLogger;
}

function invalid(field: string, why: string): never {
  throw new RaftError({ code: 'INVALID_CONFIG', message: `invalid config: ${field} ${why}` });
}

function uint(field: string, v: unknown, opts: { min: number; max?: number }): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) invalid(field, 'must be an integer');
  if (v < opts.min) invalid(field, `must be >= ${String(opts.min)}`);
  if (opts.max !== undefined && v > opts.max) invalid(field, `must be <= ${String(opts.max)}`);
  return v;
}

function checkObjects(c: RaftConfig): void {
  const storage = c.storage as Partial<Storage> | undefined;
  if (typeof storage?.initialState !== 'function' || typeof storage.entries !== 'function') {
    invalid('storage', 'must implement Storage');
  }
  const random = c.random as Partial<RandomSource> | undefined;
  if (typeof random?.nextInt !== 'function') invalid('random', 'must implement RandomSource');
  if (c.readOnlyOption !== undefined && !['safe', 'leaseBased'].includes(c.readOnlyOption)) {
    invalid('readOnlyOption', "must be 'safe' or 'leaseBased'");
  }
  if (c.readOnlyOption === 'leaseBased' && c.checkQuorum !== true) {
    invalid('readOnlyOption', "'leaseBased' requires checkQuorum");
  }
}

/**
 * Validates `c` and fills in defaults.
 * @throws RaftError `INVALID_CONFIG` naming the first invalid field.
 */
export function resolveConfig(c: RaftConfig): ResolvedConfig {
  const id = uint('id', c.id, { min: 1 });
  const heartbeatTick = uint('heartbeatTick', c.heartbeatTick, { min: 1 });
  const electionTick = uint('electionTick', c.electionTick, { min: 2, max: electionTicksMax });
  if (electionTick <= heartbeatTick) invalid('electionTick', 'must be > heartbeatTick');
  checkObjects(c);
  const maxSizePerMsg = uint('maxSizePerMsg', c.maxSizePerMsg ?? msgBytesMaxDefault, { min: 0 });
  const maxInflightBytes = uint('maxInflightBytes', c.maxInflightBytes ?? inflightBytesMaxDefault, {
    min: 0,
  });
  if (maxInflightBytes !== 0 && maxInflightBytes < maxSizePerMsg) {
    invalid('maxInflightBytes', 'must be 0 or >= maxSizePerMsg');
  }
  return {
    id,
    electionTick,
    heartbeatTick,
    storage: c.storage,
    random: c.random,
    applied: uint('applied', c.applied ?? 0, { min: 0 }),
    maxSizePerMsg,
    maxCommittedSizePerReady: uint(
      'maxCommittedSizePerReady',
      c.maxCommittedSizePerReady ?? applyBytesPerReadyMaxDefault,
      { min: 1 },
    ),
    maxUncommittedEntriesSize: uint(
      'maxUncommittedEntriesSize',
      c.maxUncommittedEntriesSize ?? uncommittedBytesMaxDefault,
      { min: 1 },
    ),
    maxInflightMsgs: uint('maxInflightMsgs', c.maxInflightMsgs ?? inflightMsgsMaxDefault, {
      min: 1,
      max: inflightMsgsMaxCap,
    }),
    maxInflightBytes,
    checkQuorum: c.checkQuorum ?? false,
    preVote: c.preVote ?? false,
    readOnlyOption: c.readOnlyOption ?? 'safe',
    disableProposalForwarding: c.disableProposalForwarding ?? false,
    stepDownOnRemoval: c.stepDownOnRemoval ?? false,
    logger: c.logger ?? noopLogger,
  };
}
