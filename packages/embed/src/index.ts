// embed: the whole public API. Whatever is not exported here is internal.
export { EmbedError, embedErrorCodes, isEmbedError } from './errors.js';
export type { EmbedErrorCode } from './errors.js';
