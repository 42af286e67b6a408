// The protobuf schema, loaded once per process from the .proto files this package ships
// (proto/). protobufjs builds an encoder and decoder per message type at load time, so the
// per-request cost is one generated function call (see the README's measurements).
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import protobuf from 'protobufjs';

const protoDir = fileURLToPath(new URL('../proto/', import.meta.url));

function loadRoot(keepCase: boolean): protobuf.Root {
  const root = new protobuf.Root();
  // Imports in our .proto files name siblings ("rpc.proto"), so resolve them in protoDir.
  root.resolvePath = (_origin: string, target: string): string => path.join(protoDir, target);
  root.loadSync(['rpc.proto', 'v3election.proto', 'v3lock.proto', 'health.proto'], {
    keepCase,
  });
  root.resolveAll();
  return root;
}

/** The resolved schema: every message and service of etcd's API that Keel serves. */
export const protoRoot: protobuf.Root = loadRoot(false);

/**
 * The same schema with the field names as the .proto files write them (`range_end`, `ID`,
 * `dbSizeInUse`): the JSON gateway's output names. Loaded on first use.
 */
let originalRoot: protobuf.Root | undefined;

/** The field names of `type` as its .proto file writes them, by field number. */
export function originalFieldNames(type: protobuf.Type): ReadonlyMap<number, string> {
  originalRoot ??= loadRoot(true);
  const original = originalRoot.lookupType(type.fullName);
  return new Map(original.fieldsArray.map((f) => [f.id, f.name]));
}

/** The message type `name` (fully qualified, e.g. `etcdserverpb.PutRequest`). */
export function messageType(name: string): protobuf.Type {
  return protoRoot.lookupType(name);
}

/** The service `name` (fully qualified, e.g. `etcdserverpb.KV`). */
export function serviceOf(name: string): protobuf.Service {
  return protoRoot.lookupService(name);
}
