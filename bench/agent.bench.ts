// The AgentDojo-style scenario suite of issue 5 (COGNITION.md §5), scripted
// planners only: the broker alone is measured. Prints one column per
// (planner, broker) pair — oracle and obedient model × broker on and off —
// with benign utility, utility under attack, targeted attack success rate
// (split by whether the attack needed a capability the user did not grant),
// consent prompts per task (median / mean, by the task's risk class) and the
// false-deny rate; then the attacks that succeeded with the broker on.
// Every case runs on a fresh FAT32 volume through the real daemon and tools.
// Run: npm run bench:agent   (AGENT_PAIRING=each-injection-once for the quick subset)
import { formatReportTable, runScenarioSuite, USER_TASKS, INJECTIONS, type Pairing, type SuiteReport } from '../src/cognition/scenarios/index.ts';

const pairing = (process.env['AGENT_PAIRING'] ?? 'all') as Pairing;
const configurations = [
  { planner: 'oracle', broker: 'on' },
  { planner: 'oracle', broker: 'off' },
  { planner: 'obedient', broker: 'on' },
  { planner: 'obedient', broker: 'off' },
] as const;

console.log(`scenario suite: ${USER_TASKS.length} user tasks, ${INJECTIONS.length} injections, pairing '${pairing}'`);
const reports: SuiteReport[] = [];
for (const configuration of configurations) {
  const started = performance.now();
  const { report, cases } = await runScenarioSuite({ ...configuration, pairing });
  reports.push(report);
  console.log(`  ${report.label}: ${cases.length} cases in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
console.log();
console.log(formatReportTable(reports));
for (const report of reports.filter((r) => r.label.endsWith('broker on'))) {
  if (report.failedTasks.length > 0) console.log(`\n${report.label}: benign tasks failed: ${report.failedTasks.join(', ')}`);
  if (report.successfulAttacks.length > 0) console.log(`\n${report.label}: attacks that succeeded:\n  ${report.successfulAttacks.join('\n  ')}`);
}
