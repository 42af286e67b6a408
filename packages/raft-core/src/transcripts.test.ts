// Goal: replay every testdata/*.txt interaction transcript and compare each command's output
// with the recorded one. Method: the pure runner in src/testing/datadriven.ts parses and
// formats; this file does the IO. REWRITE=1 regenerates the expected outputs (review the diff).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatTranscript, normalizeOutput, parseTranscript } from './testing/datadriven.js';
import { runInteraction } from './testing/interaction-commands.js';
import { InteractionEnv } from './testing/interaction-env.js';

const dir = join(import.meta.dirname, '..', 'testdata');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.txt'))
  .sort();
const rewrite = process.env['REWRITE'] === '1';

describe('transcripts', () => {
  it('has transcripts to run', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const file of files) {
    it(file, () => {
      const path = join(dir, file);
      const cases = parseTranscript(readFileSync(path, 'utf8'));
      const env = new InteractionEnv();
      const outputs = cases.map((tc) => {
        const out = runInteraction(env, tc);
        return normalizeOutput([...env.takeLogs(), out].join('\n'));
      });
      if (rewrite) {
        writeFileSync(path, formatTranscript(cases, outputs));
        return;
      }
      cases.forEach((tc, i) => {
        expect(outputs[i], `${file}:${String(tc.line)} ${tc.cmd}`).toBe(tc.expected);
      });
    });
  }
});
