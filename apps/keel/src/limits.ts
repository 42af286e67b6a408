// Named bounds of the keel command line (STYLE.md §8).
import { assert } from './assert.js';

/** Most command-line words parsed; a longer argv is refused rather than walked. */
export const argvWordsMax: number = 10_000;
/** Largest `--config-file` read, in bytes; etcd's example file is about 6 KiB. */
export const configFileBytesMax = 1024 * 1024;
/** Most URLs in one URL-list flag (`--listen-client-urls` and friends). */
export const urlsPerFlagMax: number = 64;
/** Most environment variables examined for the `ETCD_` prefix. */
export const envVarsMax = 100_000;

// A URL list longer than argv itself could never come from the command line.
assert(urlsPerFlagMax < argvWordsMax, 'urlsPerFlagMax must be below argvWordsMax');

/** Bytes read at a time while checking a snapshot file's sha256 trailer. */
export const snapshotReadChunkBytes = 1024 * 1024;

/** Largest request body the test-only fault endpoint reads (one link's fault is ~50 bytes). */
export const faultBodyBytesMax = 4096;
