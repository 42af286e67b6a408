// `pnpm chaos`: runs the chaos runner or the crash-consistency loop from the command line, prints
// progress and a JSON summary, and exits 1 on any violation (the report directory is printed).
import { isChaosError } from '../errors.js';
import { parseChaosArgs } from './cli-args.js';
import { runCrashCheck } from './crash-check.js';
import { runChaos } from './run-chaos.js';

const log = (line: string): void => {
  process.stderr.write(`chaos: ${line}\n`);
};

async function main(): Promise<number> {
  const args = parseChaosArgs(process.argv.slice(2));
  if (args.command === 'crash') {
    const report = await runCrashCheck({ ...args, log });
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return report.violations.length === 0 ? 0 : 1;
  }
  const report = await runChaos({ ...args, durationMs: Math.round(args.minutes * 60_000), log });
  const { faults, ...summary } = report;
  const byKind: Record<string, number> = {};
  for (const f of faults) byKind[f.kind] = (byKind[f.kind] ?? 0) + 1;
  process.stdout.write(`${JSON.stringify({ ...summary, faults: byKind })}\n`);
  for (const v of report.violations) log(`VIOLATION ${v}`);
  if (report.violations.length > 0)
    log(`evidence in ${report.reportDir ?? '?'}; replay with --seed ${report.seed}`);
  return report.violations.length === 0 ? 0 : 1;
}

try {
  process.exitCode = await main();
} catch (e) {
  if (!isChaosError(e)) throw e;
  log(`${e.code}: ${e.message}`);
  process.exitCode = 2;
}
