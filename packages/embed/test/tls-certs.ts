// Test support: throwaway TLS material made at test time by scripts/make-test-certs.sh
// (openssl; no key is ever committed), in a temp directory removed afterwards.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TlsConfig } from '../src/index.js';

const certScript = new URL('../../../scripts/make-test-certs.sh', import.meta.url).pathname;

/** A directory of CAs and certificates for 127.0.0.1, each usable as server and client cert. */
export class TestCerts {
  readonly dir = mkdtempSync(join(tmpdir(), 'keel-embed-tls-'));

  /** Makes CA `ca` (once) and certificates `names` signed by it. */
  make(ca: string, names: readonly string[]): this {
    execFileSync('bash', [certScript, this.dir, ca, ...names], { stdio: 'ignore' });
    return this;
  }

  /** Writes `text` to `name` in the directory, e.g. a garbled PEM; returns its path. */
  write(name: string, text: string): string {
    const path = this.path(name);
    writeFileSync(path, text);
    return path;
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  read(name: string): Buffer {
    return readFileSync(this.path(name));
  }

  /** `name`'s certificate and key, verified against CA `ca`'s certificate. */
  tls(name: string, opts: { ca: string; clientCertAuth: boolean }): TlsConfig {
    return {
      certFile: this.path(`${name}.crt`),
      keyFile: this.path(`${name}.key`),
      trustedCaFile: this.path(`${opts.ca}.crt`),
      clientCertAuth: opts.clientCertAuth,
    };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
