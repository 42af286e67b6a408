// A consistent snapshot of the whole store as a byte stream, and its restore into an empty
// directory. Layout: "KEELMVC2" (2 is the store format), then one frame per row [table u8][keyLen u32][valueLen u32][key]
// [value], tables in `tableNames` order and rows in key order, then the trailer [0xff][rows u64]
// [crc32 u32] where the CRC covers every byte before the trailer. Equal states give equal bytes.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { assert } from './assert.js';
import { readU64, revKey, u64Bytes } from './encoding.js';
import { MvccError } from './errors.js';
import { snapshotChunkBytes } from './limits.js';
import {
  forgetIndexEnd,
  getMetaNumber,
  metaKeys,
  openTables,
  putMetaNumber,
  storeFormat,
  tableNames,
  type Tables,
} from './tables.js';
import type { Transaction } from 'lmdb';

/** The stream's first bytes; the digit is the store format of its rows (`storeFormat`). */
const magic = Buffer.from(`KEELMVC${String(storeFormat)}`);
const magicPrefix = 'KEELMVC';
const trailerTag = 0xff;

/**
 * Streams every table from one read transaction, in chunks of about `snapshotChunkBytes`. The
 * transaction is taken now, not at the first read of the stream, so the stream is the state at
 * the call.
 */
export function snapshotChunks(t: Tables): Generator<Uint8Array> {
  // The read transaction is held across yields on purpose: it is what makes the stream one
  // consistent state while applies go on (as etcd streams its backend from one read tx).
  const txn = t.env.useReadTransaction();
  return streamTables(t, txn);
}

function* streamTables(t: Tables, txn: Transaction): Generator<Uint8Array> {
  try {
    let parts: Buffer[] = [magic];
    let size = magic.length;
    let crc = crc32(magic);
    let rows = 0;
    for (const [i, name] of tableNames.entries()) {
      for (const { key, value } of t[name].getRange({ transaction: txn })) {
        const head = Buffer.allocUnsafe(9);
        head[0] = i;
        head.writeUInt32BE(key.length, 1);
        head.writeUInt32BE(value.length, 5);
        for (const p of [head, Buffer.from(key), Buffer.from(value)]) {
          parts.push(p);
          size += p.length;
          crc = crc32(p, crc);
        }
        rows++;
        if (size >= snapshotChunkBytes) {
          yield Buffer.concat(parts);
          parts = [];
          size = 0;
        }
      }
    }
    const trailer = Buffer.allocUnsafe(13);
    trailer[0] = trailerTag;
    u64Bytes(rows).copy(trailer, 1);
    trailer.writeUInt32BE(crc >>> 0, 9);
    parts.push(trailer);
    yield Buffer.concat(parts);
  } finally {
    txn.done();
  }
}

const invalid = (message: string): MvccError =>
  new MvccError({ code: 'SNAPSHOT_INVALID', message });

function describeBadMagic(m: Buffer): string {
  if (!m.subarray(0, magicPrefix.length).equals(Buffer.from(magicPrefix))) {
    return 'not a kv-mvcc snapshot';
  }
  return (
    `snapshot of store format ${m.toString('latin1', magicPrefix.length)}, this version reads ` +
    `format ${String(storeFormat)} only: take the snapshot with this version`
  );
}

/** Parses frames out of a growing buffer and writes them; the caller feeds chunks in order. */
class SnapshotReader {
  private pending = Buffer.alloc(0);
  private crc = 0;
  private rows = 0;
  private sawMagic = false;
  finished = false;

  constructor(private readonly t: Tables) {}

  /**
   * Writes the complete frames of `chunk` (and earlier leftovers); call inside a write txn. Zero
   * bytes after the trailer are padding (the etcd API's snapshot is padded to whole pages).
   */
  feed(chunk: Uint8Array): void {
    if (this.finished) {
      if (chunk.some((x) => x !== 0)) throw invalid('bytes after the trailer');
      return;
    }
    this.pending = Buffer.concat([this.pending, chunk]);
    // Bounded: every turn consumes a frame or stops.
    while (this.step()) {
      /* each step consumed one frame */
    }
  }

  private take(n: number): Buffer {
    const b = this.pending.subarray(0, n);
    this.pending = this.pending.subarray(n);
    return b;
  }

  private step(): boolean {
    if (!this.sawMagic) {
      if (this.pending.length < magic.length) return false;
      const m = this.take(magic.length);
      if (!m.equals(magic)) throw invalid(describeBadMagic(m));
      this.crc = crc32(m);
      this.sawMagic = true;
      return true;
    }
    if (this.pending.length < 1 || this.finished) return false;
    if (this.pending[0] === trailerTag) return this.readTrailer();
    if (this.pending.length < 9) return false;
    const keyLen = this.pending.readUInt32BE(1);
    const valueLen = this.pending.readUInt32BE(5);
    if (this.pending.length < 9 + keyLen + valueLen) return false;
    const frame = this.take(9 + keyLen + valueLen);
    const name = tableNames[frame[0] ?? 255];
    if (name === undefined) throw invalid('unknown table in snapshot');
    this.crc = crc32(frame, this.crc);
    this.t[name].putSync(
      Buffer.from(frame.subarray(9, 9 + keyLen)),
      Buffer.from(frame.subarray(9 + keyLen)),
    );
    this.rows++;
    return true;
  }

  private readTrailer(): boolean {
    if (this.pending.length < 13) return false;
    const trailer = this.take(13);
    if (readU64(trailer, 1) !== this.rows) throw invalid('row count mismatch');
    if (trailer.readUInt32BE(9) !== this.crc >>> 0) throw invalid('checksum mismatch');
    if (this.pending.some((x) => x !== 0)) throw invalid('bytes after the trailer');
    this.finished = true;
    return false;
  }
}

/** What a restore may change in the restored state (etcdutl's restore options). */
export interface RestoreOptions {
  /** The consistent index to record instead of the stream's (a new cluster starts its log anew). */
  readonly consistentIndex?: number;
  /** Added to the current revision, so clients' watches never see a revision reused. */
  readonly bumpRevision?: number;
  /** Marks the (bumped) current revision compacted: reads and watches below it fail COMPACTED. */
  readonly markCompacted?: boolean;
}

function applyRestoreOptions(t: Tables, o: RestoreOptions): void {
  t.env.transactionSync(() => {
    if (o.consistentIndex !== undefined) {
      putMetaNumber(t, metaKeys.consistentIndex, o.consistentIndex);
    }
    const rev = getMetaNumber(t, metaKeys.currentRev) + (o.bumpRevision ?? 0);
    putMetaNumber(t, metaKeys.currentRev, rev);
    if (o.markCompacted === true && rev > getMetaNumber(t, metaKeys.compactRev)) {
      putMetaNumber(t, metaKeys.compactRev, rev);
      t.meta.putSync(metaKeys.compactCursor, revKey(0, 0));
    }
  });
}

/**
 * Restores a snapshot stream into `path`, which must be absent or empty, then applies `options`.
 * On any failure the directory is emptied again. @throws MvccError SNAPSHOT_INVALID
 */
export async function restoreSnapshot(
  path: string,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  o: { readonly open: (path: string) => Tables; readonly options: RestoreOptions },
): Promise<void> {
  const open = o.open;
  if (existsSync(path) && readdirSync(path).length > 0)
    throw invalid('restore target is not empty');
  const t = open(path);
  try {
    const reader = new SnapshotReader(t);
    for await (const chunk of chunks) {
      t.env.transactionSync(() => {
        reader.feed(chunk);
      });
    }
    if (!reader.finished) throw invalid('snapshot is truncated');
    applyRestoreOptions(t, o.options);
    await t.env.close();
  } catch (err) {
    await t.env.close();
    rmSync(path, { recursive: true, force: true });
    throw err;
  }
  assert(existsSync(path), 'restored directory exists');
}

/**
 * Replaces every table of `t` with the snapshot in `chunks`, in one write transaction: the store
 * holds either its old state or the whole snapshot, never a mix, even across a crash (LMDB's
 * atomic commit). A damaged or truncated stream aborts the transaction and changes nothing.
 * @throws MvccError SNAPSHOT_INVALID
 */
export function replaceTables(t: Tables, chunks: Iterable<Uint8Array>): void {
  forgetIndexEnd(t); // before and after: the rows change beside putKeyIndex
  t.env.transactionSync(() => {
    for (const name of tableNames) t[name].clearSync();
    const reader = new SnapshotReader(t);
    for (const chunk of chunks) reader.feed(chunk);
    if (!reader.finished) throw invalid('snapshot is truncated');
  });
  forgetIndexEnd(t);
}

/** Opens tables for a restore with durable commits. */
export function openForRestore(path: string, mapSizeBytes: number): Tables {
  return openTables({ path, mapSizeBytes, unsafeNoSync: false });
}
