// Loading TLS material from files, with errors that name the file, what is wrong with it and
// what to do. Peer certificates serve both ends, as etcd's peer certs do: a member presents the
// same certificate as a server and, under mutual TLS, as a client.
import { readFileSync } from 'node:fs';
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { TransportError } from './errors.js';

/** Paths of the PEM files a member uses for `wss://` peer connections. */
export interface TlsFiles {
  /** This member's certificate (PEM), presented as server and, under mTLS, as client. */
  readonly certFile: string;
  /** The private key of `certFile` (PEM, unencrypted). */
  readonly keyFile: string;
  /**
   * The CA (PEM) that signs every member's certificate; peers are verified against it. Without
   * it they are verified against Node's default root CAs (as etcd falls back to the system's).
   */
  readonly caFile?: string;
  /** Mutual TLS: refuse clients without a certificate signed by the CA. Default true. */
  readonly clientCertRequired?: boolean;
}

/** How error messages name each file: the caller's own config field names. */
export interface TlsFileNames {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
}

/** TLS material, read and checked. */
export interface LoadedTls {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** Absent: verify the other side against Node's default root CAs. */
  readonly ca: Buffer | undefined;
  readonly clientCertRequired: boolean;
}

const transportNames: TlsFileNames = {
  certFile: 'tls.certFile',
  keyFile: 'tls.keyFile',
  caFile: 'tls.caFile',
};

function invalid(message: string, cause?: unknown): never {
  throw new TransportError({ code: 'INVALID_CONFIG', message, cause });
}

function readPem(name: string, path: string): Buffer {
  if (typeof path !== 'string' || path === '') invalid(`${name} must be a file path`);
  try {
    return readFileSync(path);
  } catch (e) {
    const reason = (e as { code?: string }).code ?? 'unreadable';
    return invalid(
      `${name} ${path} cannot be read (${reason}): check the path and its permissions`,
      e,
    );
  }
}

function parseCert(name: string, path: string, pem: Buffer): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (e) {
    return invalid(
      `${name} ${path} is not a PEM certificate: give a file that starts with -----BEGIN CERTIFICATE-----`,
      e,
    );
  }
}

function parseKey(name: string, path: string, pem: Buffer): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (e) {
    return invalid(`${name} ${path} is not a PEM private key: give the unencrypted key in PEM`, e);
  }
}

/**
 * Reads and checks TLS files: each must exist and parse, and the key must belong to the cert.
 * `names` says how messages name the files (default `tls.certFile`, `tls.keyFile`, `tls.caFile`).
 *
 * @throws TransportError `INVALID_CONFIG`, naming the file, the problem and what to do.
 */
export function loadTls(files: TlsFiles, names: TlsFileNames = transportNames): LoadedTls {
  const cert = readPem(names.certFile, files.certFile);
  const key = readPem(names.keyFile, files.keyFile);
  const ca = files.caFile === undefined ? undefined : readPem(names.caFile, files.caFile);
  const x509 = parseCert(names.certFile, files.certFile, cert);
  if (ca !== undefined) parseCert(names.caFile, files.caFile ?? '', ca);
  const keyObject = parseKey(names.keyFile, files.keyFile, key);
  if (!x509.checkPrivateKey(keyObject)) {
    invalid(
      `${names.keyFile} ${files.keyFile} is not the key of ${names.certFile} ${files.certFile}: ` +
        'give the key the certificate was issued for',
    );
  }
  return { cert, key, ca, clientCertRequired: files.clientCertRequired ?? true };
}
