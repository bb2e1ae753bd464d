/**
 * shell/perception-commands — the shell's face of perception (issue 6):
 *
 *   perception                         status: per sense state, counts and rate;
 *                                      network and detector stats; the last
 *                                      window; a text raster of recent spikes
 *   perception allow KIND|* [hour|always]   a standing `sense` grant through the
 *                                      consent broker (default: for an hour);
 *                                      capture starts at once
 *   perception deny KIND|*             revoke the sense grants; capture stops at once
 *   anomalies [-n N]                   the last N anomaly events (default 10)
 *
 * The commands work on the system's Perception object (cli/perception-init.ts
 * provides it) through the port below; grants go through the broker, which
 * audits them, so `grants`, `revoke` and `audit` see them too.
 */

import { fail, SENSOR_KINDS, type AnomalyReport, type PerceptionWindow, type SensorKind } from '../common/index.ts';
import type { Grant } from '../consent/index.ts';
import type { CommandHost, ShellCommand } from './command.ts';

/** one sense as `perception` shows it (SensorDriverStats, or a sense with no source here) */
export interface SenseRow {
  readonly kind: SensorKind;
  readonly state: string;
  readonly captured?: number;
  readonly published?: number;
  readonly dropped?: number;
  /** [events/s] */
  readonly ratePerSecond?: number;
  readonly lastError?: string;
}

export interface PerceptionStatusView {
  readonly sensors: readonly SenseRow[];
  readonly allowed: readonly SensorKind[];
  readonly origin: string;
  readonly network: {
    readonly tick: number;
    readonly inputSpikes: number;
    readonly droppedInputSpikes: number;
    readonly errorSpikes: number;
    readonly representationSpikes: readonly number[];
    readonly synapticOps: number;
    readonly activeMs: number;
    readonly plasticityGain: number;
  };
  readonly detector: { readonly state: string; readonly windows: number; readonly fits: number; readonly events: number; readonly lastScore: number; readonly lastForestScore: number; readonly lastErrorScore: number };
  readonly lastWindow: PerceptionWindow | undefined;
  readonly windowsPublished: number;
}

export interface RasterViewLike {
  /** [ms] per bin */
  readonly binMs: number;
  readonly rows: readonly { readonly name: string; readonly counts: readonly number[] }[];
}

/** what the commands need of the system's perception */
export interface PerceptionPort {
  status(): PerceptionStatusView;
  rasterView(): RasterViewLike;
  anomalies(): readonly { readonly report: AnomalyReport; readonly wallTimeMs: number }[];
  allow(kind: SensorKind | '*', scope: 'hour' | 'always'): Grant;
  deny(kind: SensorKind | '*'): readonly Grant[];
}

const DEFAULT_ANOMALY_LINES = 10;
const GROUPS = ['kbd', 'mic', 'usb', 'fs', 'net', 'reserved'] as const;

function command(name: string, usage: string, summary: string, run: ShellCommand['run']): ShellCommand {
  return { name, usage, summary, run };
}

function usageError(usage: string): never {
  fail('arg.missing', `wrong arguments\n  usage: ${usage}`);
}

function senseKind(word: string | undefined): SensorKind | '*' {
  if (word === '*' || (SENSOR_KINDS as readonly string[]).includes(word ?? '')) return word as SensorKind | '*';
  fail('arg.invalid', `perception: "${word ?? ''}" is not a sense; choose one of ${SENSOR_KINDS.join(', ')} or *`);
}

// ── formatting ───────────────────────────────────────────────────────────────

function formatWhen(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** one character per bin: ' ' none, '.' 1, ':' 2–3, '*' 4–9, '#' 10 or more */
export function rasterCharacter(count: number): string {
  return count === 0 ? ' ' : count === 1 ? '.' : count < 4 ? ':' : count < 10 ? '*' : '#';
}

export function formatRaster(view: RasterViewLike): string[] {
  const bins = view.rows[0]?.counts.length ?? 0;
  const lines = [`spikes over the last ${((bins * view.binMs) / 1000).toFixed(1)} s (one column per ${view.binMs} ms; '.' 1, ':' 2-3, '*' 4-9, '#' 10+):`];
  for (const row of view.rows) lines.push(`  ${row.name.padEnd(11)} |${row.counts.map(rasterCharacter).join('')}|`);
  return lines;
}

export function formatLastWindow(window: PerceptionWindow): string[] {
  const summary = window.summary;
  const inputAt = summary.length - 8;
  const inputs = GROUPS.map((group, g) => `${group} ${Math.round(Math.expm1(summary[inputAt + g]!))}`).join(', ');
  const rates = ['E0+', 'E0-', 'E1+', 'E1-', 'E2+', 'E2-'].map((name, i) => `${name} ${window.error.byLayer[i]!.toFixed(1)}`).join(', ');
  const byChannel = window.error.byChannel;
  const top = Array.from(byChannel.keys()).filter((c) => byChannel[c]! > 0).sort((a, b) => byChannel[b]! - byChannel[a]! || a - b).slice(0, 3);
  const channels = top.length === 0 ? 'none' : top.map((c) => `${window.error.channelNames[c]} (${byChannel[c]})`).join(', ');
  return [
    `last window at ${(window.windowStartMs / 1000).toFixed(1)} s (${window.windowMs} ms, ${window.error.phase}):`,
    `  input spikes: ${inputs}`,
    `  error rates [Hz]: ${rates}`,
    `  most error spikes: ${channels}`,
  ];
}

export function formatStatus(status: PerceptionStatusView): string[] {
  const n = status.network;
  const lines = [`perception: PC-SNN ${status.origin}, ${(n.tick / 1000).toFixed(1)} s simulated, ${status.windowsPublished} windows this boot, ${(n.activeMs / 60_000).toFixed(1)} active min`];
  lines.push('  sense  state      captured  published  dropped  rate/s');
  for (const s of status.sensors) {
    if (s.captured === undefined) {
      lines.push(`  ${s.kind.padEnd(5)}  ${s.state}`);
      continue;
    }
    const error = s.lastError === undefined ? '' : `  (${s.lastError})`;
    lines.push(`  ${s.kind.padEnd(5)}  ${s.state.padEnd(9)}  ${String(s.captured).padStart(8)}  ${String(s.published).padStart(9)}  ${String(s.dropped).padStart(7)}  ${String(s.ratePerSecond).padStart(6)}${error}`);
  }
  lines.push(`  granted: ${status.allowed.length === 0 ? 'nothing (perception allow KIND to start one)' : status.allowed.join(', ')}`);
  lines.push(`network: input spikes ${n.inputSpikes} (dropped ${n.droppedInputSpikes}), error spikes ${n.errorSpikes}, R1/R2/R3 spikes ${n.representationSpikes.join('/')}, synaptic ops ${n.synapticOps}, plasticity gain ${n.plasticityGain}`);
  const d = status.detector;
  lines.push(`detector: ${d.state}, ${d.windows} windows, ${d.fits} forest fits, ${d.events} anomalies, last score ${d.lastScore.toFixed(1)} (forest ${d.lastForestScore.toFixed(3)}, error z ${d.lastErrorScore.toFixed(1)})`);
  if (status.lastWindow !== undefined) lines.push(...formatLastWindow(status.lastWindow));
  return lines;
}

export function formatAnomaly(record: { readonly report: AnomalyReport; readonly wallTimeMs: number }): string {
  const { report } = record;
  return `${formatWhen(record.wallTimeMs)}  score ${report.score.toFixed(1)}  ${report.channels.join(', ') || '-'}  — ${report.reason}`;
}

// ── commands ─────────────────────────────────────────────────────────────────

export function perceptionCommands(perception: PerceptionPort): ShellCommand[] {
  const usage = 'perception [allow KIND|* [hour|always] | deny KIND|*]';
  return [
    command('perception', usage, 'perception status and a spike raster; allow or deny a sense (kbd, mic, usb, fs, net)', async (shell: CommandHost, args) => {
      const [verb, kindWord, scopeWord, ...rest] = args;
      if (verb === undefined) {
        shell.print([...formatStatus(perception.status()), ...formatRaster(perception.rasterView())].join('\n'));
        return;
      }
      if (verb === 'allow') {
        if (kindWord === undefined || rest.length > 0) usageError(usage);
        const scope = scopeWord ?? 'hour';
        if (scope !== 'hour' && scope !== 'always') fail('arg.invalid', `perception allow: scope must be hour or always, not "${scope}"`);
        const grant = perception.allow(senseKind(kindWord), scope);
        shell.print(`sensing ${kindWord} allowed ${scope === 'hour' ? 'for an hour' : 'until you deny it'} (grant ${grant.id})`);
        return;
      }
      if (verb === 'deny') {
        if (kindWord === undefined || scopeWord !== undefined) usageError(usage);
        const revoked = perception.deny(senseKind(kindWord));
        shell.print(revoked.length === 0 ? `no sense grant reaches ${kindWord}; nothing to withdraw` : `sensing withdrawn: ${revoked.map((g) => `${g.resource.pattern} (grant ${g.id})`).join(', ')}`);
        return;
      }
      usageError(usage);
    }),
    command('anomalies', 'anomalies [-n N]', 'recent anomaly events: time, score, the channels that deviated, why', async (shell, args) => {
      let count = DEFAULT_ANOMALY_LINES;
      if (args.length === 2 && args[0] === '-n') {
        count = Number(args[1]);
        if (!Number.isInteger(count) || count < 1) fail('arg.invalid', `anomalies: -n needs a positive whole number, got "${args[1]}"`);
      } else if (args.length !== 0) usageError('anomalies [-n N]');
      const records = perception.anomalies();
      shell.print(records.length === 0 ? 'no anomalies so far' : records.slice(-count).map(formatAnomaly).join('\n'));
    }),
  ];
}
