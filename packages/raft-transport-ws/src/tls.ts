// Loading TLS material from files, with errors that name the file and what is wrong with it.
// Peer certificates serve both ends, as etcd's peer certs do: a member presents the same
// certificate as a server and, under mutual TLS, as a client.
import { readFileSync } from 'node:fs';
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { TransportError } from './errors.js';

/** Paths of the PEM files a member uses for `wss://` peer connections. */
export interface TlsFiles {
  /** This member's certificate (PEM), presented as server and, under mTLS, as client. */
  readonly certFile: string;
  /** The private key of `certFile` (PEM). */
  readonly keyFile: string;
  /** The CA (PEM) that signs every member's certificate; peers are verified against it. */
  readonly caFile: string;
  /** Mutual TLS: refuse clients without a certificate signed by the CA. Default true. */
  readonly clientCertRequired?: boolean;
}

/** TLS material, read and checked. */
export interface LoadedTls {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca: Buffer;
  readonly clientCertRequired: boolean;
}

function invalid(message: string, cause?: unknown): never {
  throw new TransportError({ code: 'INVALID_CONFIG', message, cause });
}

function readPem(field: string, path: string): Buffer {
  if (typeof path !== 'string' || path === '') invalid(`tls.${field} must be a file path`);
  try {
    return readFileSync(path);
  } catch (e) {
    const reason = (e as { code?: string }).code ?? 'unreadable';
    return invalid(`tls.${field} ${path} cannot be read (${reason})`, e);
  }
}

function parseCert(field: string, path: string, pem: Buffer): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (e) {
    return invalid(`tls.${field} ${path} is not a PEM certificate`, e);
  }
}

function parseKey(path: string, pem: Buffer): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (e) {
    return invalid(`tls.keyFile ${path} is not a PEM private key`, e);
  }
}

/**
 * Reads and checks the TLS files: each must exist, parse, and the key must belong to the cert.
 *
 * @throws TransportError `INVALID_CONFIG`, naming the file and the problem.
 */
export function loadTls(files: TlsFiles): LoadedTls {
  const cert = readPem('certFile', files.certFile);
  const key = readPem('keyFile', files.keyFile);
  const ca = readPem('caFile', files.caFile);
  const x509 = parseCert('certFile', files.certFile, cert);
  parseCert('caFile', files.caFile, ca);
  const keyObject = parseKey(files.keyFile, key);
  if (!x509.checkPrivateKey(keyObject)) {
    invalid(`tls.keyFile ${files.keyFile} is not the key of tls.certFile ${files.certFile}`);
  }
  return { cert, key, ca, clientCertRequired: files.clientCertRequired ?? true };
}
