// Goal: the transcript runner parses commands, arguments, input and expected output, and a
// rewrite reproduces the file byte for byte when the outputs are unchanged.
import { describe, expect, it } from 'vitest';
import { argVals, formatTranscript, parseTranscript, positional } from './datadriven.js';

const text = `# a comment
add-nodes 3 voters=1,2,3
----
ok

# second
propose 1 foo
input line
----
line one
line two
`;

describe('datadriven', () => {
  it('parses cases', () => {
    const cases = parseTranscript(text);
    expect(cases).toHaveLength(2);
    const [a, b] = cases;
    expect(a?.cmd).toBe('add-nodes');
    expect(a && argVals(a, 'voters')).toEqual(['1', '2', '3']);
    expect(a && positional(a)).toEqual(['3']);
    expect(b?.input).toEqual(['input line']);
    expect(b?.expected).toBe('line one\nline two');
    expect(b?.line).toBe(7);
  });

  it('round-trips on rewrite and replaces outputs', () => {
    const cases = parseTranscript(text);
    expect(
      formatTranscript(
        cases,
        cases.map((c) => c.expected),
      ),
    ).toBe(text);
    expect(formatTranscript(cases, ['', 'x'])).toContain('----\nx\n');
  });

  it('rejects a command without ----', () => {
    expect(() => parseTranscript('campaign 1\n')).toThrow(/missing ----/);
  });
});
