// The stored form of a log entry. Every record carries a CRC-32 over everything after the
// checksum field, and repeats the entry's index, so a record that was damaged, torn or written
// under the wrong key is detected when it is read instead of being served.
//
//   offset  bytes  field
//   0       4      crc32 (zlib polynomial) of bytes [4, end), big-endian
//   4       1      format version (1)
//   5       1      entry type: 0 EntryNormal, 1 EntryConfChange
//   6       2      reserved, zero
//   8       8      term, unsigned big-endian
//   16      8      index, unsigned big-endian
//   24      n      data
import { crc32 } from 'node:zlib';
import type { Entry, EntryType } from '@keel/raft-core';
import { corruptAt } from './errors.js';

/** Bytes of a record before the entry's data. */
export const entryRecordHeaderBytes = 24;

const formatVersion = 1;
const two32 = 0x1_0000_0000;
const typeCodes: Readonly<Record<EntryType, number>> = { EntryNormal: 0, EntryConfChange: 1 };
const typesByCode: readonly EntryType[] = ['EntryNormal', 'EntryConfChange'];

/**
 * Encodes `entries` as records laid out back to back in one buffer (one allocation, and one
 * memory region for LMDB to copy from), returned as views of it in the same order. The entries
 * must already be validated.
 */
export function encodeEntryRecords(entries: readonly Entry[]): Uint8Array[] {
  let total = 0;
  for (const e of entries) total += entryRecordHeaderBytes + e.data.byteLength;
  const buffer = new ArrayBuffer(total);
  const all = new Uint8Array(buffer);
  const view = new DataView(buffer);
  const out: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const n = entryRecordHeaderBytes + e.data.byteLength;
    // Bytes 6-7 (reserved) are already zero: the buffer is fresh.
    view.setUint16(offset + 4, (formatVersion << 8) | typeCodes[e.type]);
    view.setUint32(offset + 8, Math.floor(e.term / two32));
    view.setUint32(offset + 12, e.term >>> 0);
    view.setUint32(offset + 16, Math.floor(e.index / two32));
    view.setUint32(offset + 20, e.index >>> 0);
    all.set(e.data, offset + entryRecordHeaderBytes);
    // Views made by the constructor: subarray() looks up a species constructor each time.
    view.setUint32(offset, crc32(new Uint8Array(buffer, offset + 4, n - 4)));
    out.push(new Uint8Array(buffer, offset, n));
    offset += n;
  }
  return out;
}

/**
 * Decodes the record stored under `index`, checking its checksum, format and index.
 * @throws WalError `CORRUPT` naming `index` when any check fails. The returned entry's data is
 * a view of `bytes`: pass bytes the caller owns (LMDB's range reads return fresh copies), never
 * a buffer LMDB reuses.
 */
export function decodeEntryRecord(bytes: Uint8Array, index: number): Entry {
  if (bytes.byteLength < entryRecordHeaderBytes) {
    throw corruptAt(index, `record of ${String(bytes.byteLength)} bytes is shorter than a header`);
  }
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const checked = new Uint8Array(buf.buffer, buf.byteOffset + 4, buf.byteLength - 4);
  if (buf.readUInt32BE(0) !== crc32(checked)) throw corruptAt(index, 'checksum mismatch');
  const type = typesByCode[buf[5] ?? -1];
  if (buf[4] !== formatVersion) throw corruptAt(index, `unknown format version ${String(buf[4])}`);
  if (type === undefined) throw corruptAt(index, `unknown entry type ${String(buf[5])}`);
  if (buf.readUInt16BE(6) !== 0) throw corruptAt(index, 'reserved bytes are not zero');
  const term = readUint64(buf, 8);
  const storedIndex = readUint64(buf, 16);
  if (storedIndex !== index) throw corruptAt(index, `record holds index ${String(storedIndex)}`);
  if (!(term >= 1)) throw corruptAt(index, `term ${String(term)} is not a positive safe integer`);
  const dataBytes = buf.byteLength - entryRecordHeaderBytes;
  const data = new Uint8Array(buf.buffer, buf.byteOffset + entryRecordHeaderBytes, dataBytes);
  return { term, index, type, data };
}

/** Reads an unsigned 64-bit value; NaN when it is not a safe integer. */
function readUint64(buf: Buffer, offset: number): number {
  const value = buf.readUInt32BE(offset) * two32 + buf.readUInt32BE(offset + 4);
  return Number.isSafeInteger(value) ? value : Number.NaN;
}
