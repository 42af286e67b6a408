// Leases: rows in the lease table and the keys attached to each. The store keeps no clock: a
// lease expires when the caller (embed, on the leader) applies a revoke through the log.
import { assert } from './assert.js';
import { packr, readU64, u64Bytes } from './encoding.js';
import { MvccError } from './errors.js';
import type { WriteTxn } from './kv-write.js';
import { leaseTtlSecondsMax } from './limits.js';
import { getMetaNumber, metaKeys, putMetaNumber, type Tables } from './tables.js';
import type {
  LeaseCheckpointRequest,
  LeaseGrantRequest,
  LeaseGrantResponse,
  LeaseLeasesResponse,
  LeaseTimeToLiveRequest,
  LeaseTimeToLiveResponse,
} from './types.js';

/**
 * A lease row: granted TTL and the last checkpointed remaining TTL. A remaining TTL of 0 or less
 * means none (a fresh grant writes -1; the leader checkpoints 0 to clear it on a renewal, as
 * etcd's lessor does, whose remaining TTL counts only when above 0).
 */
interface LeaseRow {
  readonly grantedTtl: number;
  readonly remainingTtl: number;
}

const notFound = (): MvccError =>
  new MvccError({ code: 'LEASE_NOT_FOUND', message: 'requested lease not found' });

function checkId(id: number): void {
  if (!Number.isSafeInteger(id) || id < 0) {
    throw new MvccError({ code: 'INVALID_ARGUMENT', message: 'lease ID must be >= 0' });
  }
}

function getRow(t: Tables, id: number): LeaseRow | undefined {
  const b = t.lease.get(u64Bytes(id));
  if (b === undefined) return undefined;
  const [grantedTtl, remainingTtl] = packr.unpack(b) as [number, number];
  assert(typeof grantedTtl === 'number' && typeof remainingTtl === 'number', 'lease row shape');
  return { grantedTtl, remainingTtl };
}

function putRow(t: Tables, id: number, row: LeaseRow): void {
  t.lease.putSync(u64Bytes(id), packr.pack([row.grantedTtl, row.remainingTtl]));
}

/**
 * Grants a lease with the given ID, or with the smallest unused ID from the store's deterministic
 * counter when `ID` is 0 (etcd lets the proposing member choose; here every member chooses the
 * same). @throws MvccError LEASE_EXISTS, LEASE_TTL_TOO_LARGE, INVALID_ARGUMENT
 */
export function grantLease(t: Tables, r: LeaseGrantRequest, revision: number): LeaseGrantResponse {
  checkId(r.ID ?? 0);
  if (!Number.isSafeInteger(r.TTL) || r.TTL < 0) {
    throw new MvccError({ code: 'INVALID_ARGUMENT', message: 'TTL must be >= 0' });
  }
  if (r.TTL > leaseTtlSecondsMax) {
    throw new MvccError({ code: 'LEASE_TTL_TOO_LARGE', message: 'too large lease TTL' });
  }
  let id = r.ID ?? 0;
  if (id === 0) {
    id = Math.max(1, getMetaNumber(t, metaKeys.nextLeaseId));
    // Bounded: each step passes one existing lease, and there are finitely many.
    while (getRow(t, id) !== undefined) id++;
    putMetaNumber(t, metaKeys.nextLeaseId, id + 1);
  } else if (getRow(t, id) !== undefined) {
    throw new MvccError({ code: 'LEASE_EXISTS', message: 'lease already exists' });
  }
  putRow(t, id, { grantedTtl: r.TTL, remainingTtl: -1 });
  return { ID: id, TTL: r.TTL, revision };
}

/** The keys attached to lease `id`, in key order. */
export function leaseKeys(t: Tables, id: number): Buffer[] {
  const prefix = u64Bytes(id);
  const end = u64Bytes(id + 1);
  const keys: Buffer[] = [];
  for (const k of t.leaseKey.getKeys({ start: prefix, end })) keys.push(Buffer.from(k.subarray(8)));
  return keys;
}

/**
 * Revokes lease `id`: its keys are deleted in key order, all at one revision (none if it has no
 * keys), then the lease. @throws MvccError LEASE_NOT_FOUND
 */
export function revokeLease(w: WriteTxn, id: number): void {
  checkId(id);
  const t = w.tables;
  if (getRow(t, id) === undefined) throw notFound();
  for (const key of leaseKeys(t, id)) {
    const deleted = w.deleteKey(key);
    assert(deleted, 'a key attached to a lease is live');
  }
  assert(leaseKeys(t, id).length === 0, 'revoking detaches every key');
  t.lease.removeSync(u64Bytes(id));
}

/**
 * Records remaining TTLs; unknown leases are skipped, as etcd does. A remaining TTL of 0 clears
 * the lease's checkpoint (etcd's renewal on a leader with checkpoints on).
 */
export function checkpointLeases(t: Tables, r: LeaseCheckpointRequest): void {
  for (const cp of r.checkpoints) {
    checkId(cp.ID);
    const row = getRow(t, cp.ID);
    if (row !== undefined) putRow(t, cp.ID, { ...row, remainingTtl: cp.remainingTTL });
  }
}

/** The granted TTL of lease `id` (a renewal restarts it). @throws MvccError LEASE_NOT_FOUND */
export function leaseGrantedTtl(t: Tables, id: number): number {
  checkId(id);
  const row = getRow(t, id);
  if (row === undefined) throw notFound();
  return row.grantedTtl;
}

/** etcd's LeaseTimeToLive from the store's view. @throws MvccError LEASE_NOT_FOUND */
export function leaseTimeToLive(
  t: Tables,
  r: LeaseTimeToLiveRequest,
): Omit<LeaseTimeToLiveResponse, 'revision'> {
  checkId(r.ID);
  const row = getRow(t, r.ID);
  if (row === undefined) throw notFound();
  const keys = r.keys === true ? leaseKeys(t, r.ID) : [];
  // As etcd's getRemainingTTL: the checkpoint counts only when above 0.
  const ttl = row.remainingTtl > 0 ? row.remainingTtl : row.grantedTtl;
  return { ID: r.ID, TTL: ttl, grantedTTL: row.grantedTtl, keys };
}

/** Every lease, by ID. */
export function listLeases(t: Tables): Omit<LeaseLeasesResponse, 'revision'> {
  const leases = [];
  for (const k of t.lease.getKeys()) leases.push({ ID: readU64(k, 0) });
  return { leases };
}
