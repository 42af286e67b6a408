// JSON for the gateway, in the conventions of etcd 3.4's grpc-gateway (golang jsonpb with
// OrigName): output names are the .proto files' field names (`cluster_id`, `range_end`, `ID`),
// 64-bit integers are decimal strings, bytes are standard base64, enums are their names, and
// fields holding their default value are left out. Input accepts the .proto name or its
// lowerCamelCase JSON name (`range_end` or `rangeEnd`), integers as numbers or decimal strings,
// enums by name or number, and ignores unknown fields, as etcd's gateway does.
//
// A request is turned into protobuf bytes and decoded by the very decoder gRPC uses, so the
// handler gets the same message and the same encoded size (the maxRequestBytes check) as a gRPC
// call; a response is encoded as gRPC would send it and rendered from the decoded message.
import protobuf from 'protobufjs';
import { EtcdGrpcError } from './errors.js';
import { originalFieldNames } from './proto.js';

const int64Types = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const int32Types = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);
const base64Std = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;
const decimal = /^-?\d+$/;

/** protoc's JSON name of a field: underscores dropped, the letter after each one upper-cased. */
function jsonNameOf(original: string): string {
  return original.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

interface TypeNames {
  /** Input key (original or JSON name) to the field. */
  readonly byInputKey: ReadonlyMap<string, protobuf.Field>;
  /** protobufjs's field name to the original name. */
  readonly originalByField: ReadonlyMap<protobuf.Field, string>;
}

const namesCache = new WeakMap<protobuf.Type, TypeNames>();

function namesOf(type: protobuf.Type): TypeNames {
  const cached = namesCache.get(type);
  if (cached !== undefined) return cached;
  const originals = originalFieldNames(type);
  const byInputKey = new Map<string, protobuf.Field>();
  const originalByField = new Map<protobuf.Field, string>();
  for (const field of type.fieldsArray) {
    const original = originals.get(field.id) ?? field.name;
    originalByField.set(field, original);
    byInputKey.set(original, field);
    byInputKey.set(jsonNameOf(original), field);
  }
  const names = { byInputKey, originalByField };
  namesCache.set(type, names);
  return names;
}

function refuse(what: string, field: protobuf.Field): never {
  const where = `field "${field.name}" of ${field.parent?.fullName.slice(1) ?? 'a message'}`;
  throw new EtcdGrpcError({ code: 'INVALID_ARGUMENT', message: `json: ${what} for ${where}` });
}

function integerFrom(v: unknown, field: protobuf.Field, wide: boolean): number | string {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'string' && decimal.test(v)) {
    if (wide) return v;
    const n = Number(v);
    if (Number.isSafeInteger(n)) return n;
  }
  return refuse(`cannot use ${JSON.stringify(v)} as an integer`, field);
}

function enumFrom(v: unknown, field: protobuf.Field, en: protobuf.Enum): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  const n = typeof v === 'string' ? en.values[v] : undefined;
  if (n === undefined) {
    return refuse(`unknown value ${JSON.stringify(v)} for enum ${en.fullName.slice(1)}`, field);
  }
  return n;
}

/** One JSON value of `field` (not repeated) as protobufjs's fromObject takes it. */
function scalarFrom(v: unknown, field: protobuf.Field): unknown {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type) {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      return refuse('expected an object', field);
    }
    return objectFrom(rt, v as Record<string, unknown>);
  }
  if (rt instanceof protobuf.Enum) return enumFrom(v, field, rt);
  if (int64Types.has(field.type)) return integerFrom(v, field, true);
  if (int32Types.has(field.type)) return integerFrom(v, field, false);
  switch (field.type) {
    case 'bool':
      if (typeof v !== 'boolean') return refuse('expected true or false', field);
      return v;
    case 'string':
      if (typeof v !== 'string') return refuse('expected a string', field);
      return v;
    case 'bytes':
      if (typeof v !== 'string' || !base64Std.test(v)) {
        return refuse('expected standard base64', field);
      }
      return Buffer.from(v, 'base64');
    default:
      if (typeof v !== 'number') return refuse('expected a number', field);
      return v;
  }
}

/** A JSON object as the plain object protobufjs's `fromObject` takes for `type`. */
function objectFrom(type: protobuf.Type, json: Record<string, unknown>): Record<string, unknown> {
  const { byInputKey } = namesOf(type);
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(json)) {
    const field = byInputKey.get(key);
    if (field === undefined || v === null) continue; // unknown fields are ignored, as etcd's
    if (!field.repeated) {
      out[field.name] = scalarFrom(v, field);
      continue;
    }
    if (!Array.isArray(v)) return refuse('expected an array', field);
    out[field.name] = v.map((item: unknown) => scalarFrom(item, field));
  }
  return out;
}

/**
 * The protobuf bytes of the JSON request `json` (already parsed) of message `type`.
 * @throws EtcdGrpcError INVALID_ARGUMENT when the JSON does not fit the message.
 */
export function encodeJsonRequest(type: protobuf.Type, json: unknown): Uint8Array {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new EtcdGrpcError({
      code: 'INVALID_ARGUMENT',
      message: `json: the body must be a JSON object (${type.fullName.slice(1)})`,
    });
  }
  const plain = objectFrom(type, json as Record<string, unknown>);
  return type.encode(type.fromObject(plain)).finish();
}

/** A 64-bit value as protobufjs decodes it (a `long` instance: two 32-bit halves). */
function isLong(v: unknown): v is { readonly low: number; readonly high: number } {
  return typeof v === 'object' && v !== null && 'low' in v && 'high' in v;
}

/** Whether `v` is the proto3 default of its field (such fields are left out). */
function isDefault(v: unknown): boolean {
  if (isLong(v)) return v.low === 0 && v.high === 0;
  if (v instanceof Uint8Array) return v.length === 0;
  return v === 0 || v === false || v === '';
}

/** One value of `field` (not repeated) as jsonpb writes it. */
function jsonValueOf(v: unknown, field: protobuf.Field): unknown {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type) return messageToJson(rt, v as protobuf.Message);
  if (rt instanceof protobuf.Enum) return rt.valuesById[v as number] ?? v;
  if (int64Types.has(field.type)) return String(v);
  if (v instanceof Uint8Array)
    return Buffer.from(v.buffer, v.byteOffset, v.length).toString('base64');
  return v;
}

/** A decoded message of `type` as etcd's gateway writes it. */
function messageToJson(type: protobuf.Type, msg: protobuf.Message): Record<string, unknown> {
  const { originalByField } = namesOf(type);
  const out: Record<string, unknown> = {};
  const values = msg as unknown as Record<string, unknown>;
  for (const field of type.fieldsArray) {
    // Only what was on the wire: protobufjs keeps defaults on the prototype.
    if (!Object.prototype.hasOwnProperty.call(msg, field.name)) continue;
    const v = values[field.name];
    if (v === null || v === undefined) continue;
    const name = originalByField.get(field) ?? field.name;
    if (field.repeated) {
      if (Array.isArray(v) && v.length > 0) out[name] = v.map((x) => jsonValueOf(x, field));
      continue;
    }
    // A set member of a oneof is written even when it holds its default, as jsonpb does.
    const inOneof = field.partOf !== null;
    if (!inOneof && !(field.resolvedType instanceof protobuf.Type) && isDefault(v)) continue;
    out[name] = jsonValueOf(v, field);
  }
  return out;
}

/**
 * The response `res` (as a handler returns it) of message `type`, as JSON text: encoded as gRPC
 * would send it, decoded, and written in etcd's gateway conventions.
 */
export function jsonResponse(type: protobuf.Type, res: object): string {
  const msg = type.decode(type.encode(res).finish());
  return JSON.stringify(messageToJson(type, msg));
}
