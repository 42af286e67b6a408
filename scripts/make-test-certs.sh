#!/usr/bin/env bash
# Makes throwaway TLS material for tests (no key is ever committed):
#   bash scripts/make-test-certs.sh DIR CA NAME...
# creates DIR/CA.crt and DIR/CA.key (a self-signed CA) unless they exist, then for each NAME a
# key DIR/NAME.key and a certificate DIR/NAME.crt signed by that CA, valid for two days, for
# 127.0.0.1 and localhost, usable as server and as client certificate (as etcd's peer certs).
# EC P-256 keys keep it fast. Needs openssl (scripts/bootstrap.sh --system installs it).
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: make-test-certs.sh DIR CA [NAME...]" >&2
  exit 2
fi
dir=$1 ca=$2
shift 2
cd "$dir"
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
if [ ! -f "$ca.crt" ]; then
  openssl req -x509 "${ec[@]}" -keyout "$ca.key" -out "$ca.crt" -days 2 -subj "/CN=$ca" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    2>/dev/null
fi
printf '%s\n' 'basicConstraints=CA:FALSE' 'subjectAltName=IP:127.0.0.1,DNS:localhost' \
  'keyUsage=critical,digitalSignature,keyEncipherment' \
  'extendedKeyUsage=serverAuth,clientAuth' >"$ca.ext"
for name in "$@"; do
  openssl req "${ec[@]}" -keyout "$name.key" -out "$name.csr" -subj "/CN=$name" 2>/dev/null
  openssl x509 -req -in "$name.csr" -CA "$ca.crt" -CAkey "$ca.key" -CAcreateserial \
    -out "$name.crt" -days 2 -extfile "$ca.ext" 2>/dev/null
  rm -f "$name.csr"
done
