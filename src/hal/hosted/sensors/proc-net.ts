/**
 * Network source: polls /proc/net/dev (interface counters) and
 * /proc/net/tcp + /proc/net/tcp6 (the TCP connection tables).
 *
 * /proc/net/dev, after two header lines, one line per interface:
 *   "  eth0: rxBytes rxPackets errs drop fifo frame compressed multicast
 *            txBytes txPackets errs drop fifo colls carrier compressed"
 * /proc/net/tcp{,6}, after one header line:
 *   "sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …"
 *   addresses are hex "ADDR:PORT" (port big-endian hex), st is the hex state.
 *
 * A connection counts as live in the states ESTABLISHED, SYN_SENT, SYN_RECV,
 * NEW_SYN_RECV and LISTEN; it is reported 'opened' when its
 * (family, local, remote) tuple becomes live and 'closed' when it leaves
 * that set (closing states or gone). Every poll emits the cumulative
 * counters; the first poll only learns the live connections.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fail } from '../../../common/index.ts';
import type { Clock, Timers } from '../../clock.ts';
import type { InterfaceCounters, NetReading, SensorSource } from '../../sensors.ts';

export function parseProcNetDev(text: string): InterfaceCounters[] {
  const counters: InterfaceCounters[] = [];
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const fields = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    if (fields.length < 16 || fields.some((n) => !Number.isFinite(n))) continue;
    counters.push({ name: line.slice(0, colon).trim(), rxBytes: fields[0]!, rxPackets: fields[1]!, txBytes: fields[8]!, txPackets: fields[9]! });
  }
  return counters;
}

const TCP_STATES = ['', 'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT', 'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'CLOSING', 'NEW_SYN_RECV'];
const LIVE_STATES = new Set(['ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'NEW_SYN_RECV', 'LISTEN']);

export interface TcpEntry {
  /** address as the kernel prints it (hex, host byte order per 32-bit word) */
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  /** 0 for a listening socket */
  readonly remotePort: number;
  readonly state: string;
  readonly inode: number;
}

export function parseProcNetTcp(text: string): TcpEntry[] {
  const entries: TcpEntry[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10) continue;
    const [localAddress, localPortHex] = fields[1]!.split(':');
    const [remoteAddress, remotePortHex] = fields[2]!.split(':');
    const stateIndex = Number.parseInt(fields[3]!, 16);
    if (localAddress === undefined || remoteAddress === undefined || localPortHex === undefined || remotePortHex === undefined) continue;
    entries.push({
      localAddress,
      localPort: Number.parseInt(localPortHex, 16),
      remoteAddress,
      remotePort: Number.parseInt(remotePortHex, 16),
      state: TCP_STATES[stateIndex] ?? `STATE_${fields[3]}`,
      inode: Number(fields[9]),
    });
  }
  return entries;
}

/** live connections by tuple key "family local:port remote:port" */
export function liveConnections(tables: readonly { family: 'tcp' | 'tcp6'; entries: readonly TcpEntry[] }[]): Map<string, TcpEntry> {
  const live = new Map<string, TcpEntry>();
  for (const { family, entries } of tables) {
    for (const entry of entries) {
      if (LIVE_STATES.has(entry.state)) live.set(`${family} ${entry.localAddress}:${entry.localPort} ${entry.remoteAddress}:${entry.remotePort}`, entry);
    }
  }
  return live;
}

export interface ProcNetSourceOptions {
  readonly clock: Clock;
  readonly timers: Timers;
  /** default /proc */
  readonly procRoot?: string;
  /** [ms] between polls; default 1000 */
  readonly intervalMs?: number;
}

export class ProcNetSource implements SensorSource<'net'> {
  readonly kind = 'net' as const;
  private readonly options: ProcNetSourceOptions;
  private cancel: (() => void) | undefined;
  private running = false;

  constructor(options: ProcNetSourceOptions) {
    this.options = options;
  }

  private readTables(): { counters: InterfaceCounters[]; live: Map<string, TcpEntry> } {
    const root = this.options.procRoot ?? '/proc';
    let devText: string;
    try {
      devText = readFileSync(join(root, 'net', 'dev'), 'utf8');
    } catch (error) {
      fail('sensors.source_unavailable', `net: cannot read ${join(root, 'net', 'dev')} (${(error as NodeJS.ErrnoException).code ?? 'error'}); this host has no Linux /proc network tables`);
    }
    const tables: { family: 'tcp' | 'tcp6'; entries: TcpEntry[] }[] = [];
    for (const family of ['tcp', 'tcp6'] as const) {
      try {
        tables.push({ family, entries: parseProcNetTcp(readFileSync(join(root, 'net', family), 'utf8')) });
      } catch {
        // IPv6 (or even IPv4) may be absent: no connections of that family
      }
    }
    return { counters: parseProcNetDev(devText), live: liveConnections(tables) };
  }

  start(emit: (reading: NetReading) => void, onError?: (error: Error) => void): void {
    if (this.running) return;
    const intervalMs = this.options.intervalMs ?? 1000;
    const first = this.readTables();
    let known = first.live;
    this.running = true;
    const firstAt = this.options.clock.now();
    const poll = (): void => {
      this.cancel = undefined;
      if (!this.running) return;
      let tables: ReturnType<ProcNetSource['readTables']>;
      try {
        tables = this.readTables();
      } catch (error) {
        this.running = false;
        onError?.(error as Error);
        return;
      }
      const atMs = this.options.clock.now();
      emit({ kind: 'net', type: 'counters', atMs, interfaces: tables.counters });
      for (const [key, entry] of tables.live) {
        if (!this.running) return;
        if (!known.has(key)) emit({ kind: 'net', type: 'connection', atMs, action: 'opened', localPort: entry.localPort, remotePort: entry.remotePort, state: entry.state });
      }
      for (const [key, entry] of known) {
        if (!this.running) return;
        if (!tables.live.has(key)) emit({ kind: 'net', type: 'connection', atMs, action: 'closed', localPort: entry.localPort, remotePort: entry.remotePort, state: entry.state });
      }
      known = tables.live;
      this.cancel = this.options.timers.schedule(intervalMs, poll);
    };
    this.cancel = this.options.timers.schedule(0, () => {
      this.cancel = undefined;
      if (!this.running) return;
      emit({ kind: 'net', type: 'counters', atMs: firstAt, interfaces: first.counters });
      if (this.running) this.cancel = this.options.timers.schedule(intervalMs, poll);
    });
  }

  stop(): void {
    this.running = false;
    this.cancel?.();
    this.cancel = undefined;
  }
}
