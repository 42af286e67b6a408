// Goal: the splitter finds each object of a stream however the chunks cut it, braces and quotes
// inside strings included, and refuses what is not an object or is too large.
import { describe, expect, it } from 'vitest';
import { JsonObjectSplitter } from './json-splitter.js';

const texts = (pieces: { ok: boolean; text?: string; reason?: string }[]): string[] =>
  pieces.map((p) => (p.ok ? (p.text ?? '') : `!${p.reason ?? ''}`));

describe('JsonObjectSplitter', () => {
  const stream = '{"a":1}\n{"b":"}{\\"x"} {"c":{"d":"é"}}';

  it('splits concatenated objects in one chunk', () => {
    const s = new JsonObjectSplitter(1024);
    expect(texts(s.push(Buffer.from(stream)))).toEqual([
      '{"a":1}',
      '{"b":"}{\\"x"}',
      '{"c":{"d":"é"}}',
    ]);
  });

  it('gives the same objects whatever the chunk boundaries, even inside a UTF-8 character', () => {
    const bytes = Buffer.from(stream);
    for (let cut = 1; cut < bytes.length; cut++) {
      const s = new JsonObjectSplitter(1024);
      const out = [...s.push(bytes.subarray(0, cut)), ...s.push(bytes.subarray(cut))];
      expect(texts(out), `cut at ${cut}`).toEqual(['{"a":1}', '{"b":"}{\\"x"}', '{"c":{"d":"é"}}']);
    }
  });

  it('refuses bytes outside an object, then gives nothing more', () => {
    const s = new JsonObjectSplitter(1024);
    expect(texts(s.push(Buffer.from('{"a":1} [1] {"b":2}')))).toEqual([
      '{"a":1}',
      '!json: expected an object, found "["',
    ]);
    expect(s.push(Buffer.from('{"c":3}'))).toEqual([]);
  });

  it('refuses an object larger than the limit, whole or in parts', () => {
    const whole = new JsonObjectSplitter(8);
    expect(texts(whole.push(Buffer.from('{"a":"long"}')))).toEqual([
      '!json: an object exceeds 8 bytes',
    ]);
    const parts = new JsonObjectSplitter(8);
    expect(parts.push(Buffer.from('{"a":'))).toEqual([]);
    expect(texts(parts.push(Buffer.from('"lon')))).toEqual(['!json: an object exceeds 8 bytes']);
  });
});
