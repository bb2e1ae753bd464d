/** /proc/net parsing, the live-connection diff, and the polling source over a fake /proc. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isChimaeraError } from '../../../common/index.ts';
import { ManualClock } from '../../memory/index.ts';
import type { NetReading } from '../../sensors.ts';
import { parseProcNetDev, parseProcNetTcp, ProcNetSource } from './proc-net.ts';

const DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:    6386      58    0    0    0     0          0         0     6386      58    0    0    0     0       0          0
  eth0: 123456789  98765    0    0    0     0          0         0  5555     44    0    0    0     0       0          0
`;

const TCP_HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
const tcpLine = (sl: number, local: string, remote: string, state: string, inode: number): string =>
  `   ${sl}: ${local} ${remote} ${state} 00000000:00000000 00:00000000 00000000     0        0 ${inode} 1 0000000000000000 100 0 0 10 0\n`;

test('proc net: interface counters', () => {
  assert.deepEqual(parseProcNetDev(DEV), [
    { name: 'lo', rxBytes: 6386, rxPackets: 58, txBytes: 6386, txPackets: 58 },
    { name: 'eth0', rxBytes: 123456789, rxPackets: 98765, txBytes: 5555, txPackets: 44 },
  ]);
});

test('proc net: tcp table rows, ports in hex, named states', () => {
  const rows = parseProcNetTcp(TCP_HEADER + tcpLine(0, '00000000:07E8', '00000000:0000', '0A', 499) + tcpLine(1, '0100007F:B2F0', '0100007F:01BB', '01', 500));
  assert.deepEqual(rows.map((r) => [r.localPort, r.remotePort, r.state, r.inode]), [[2024, 0, 'LISTEN', 499], [45808, 443, 'ESTABLISHED', 500]]);
});

test('proc net source: counters every poll; connections reported when they become live and when they leave', () => {
  const root = mkdtempSync(join(tmpdir(), 'chimaera-proc-'));
  try {
    mkdirSync(join(root, 'net'));
    const write = (tcp: string): void => {
      writeFileSync(join(root, 'net', 'dev'), DEV);
      writeFileSync(join(root, 'net', 'tcp'), TCP_HEADER + tcp);
    };
    const listening = tcpLine(0, '00000000:07E8', '00000000:0000', '0A', 1);
    const outbound = tcpLine(1, '0100007F:B2F0', '0100007F:01BB', '01', 2);
    write(listening);
    const clock = new ManualClock();
    const source = new ProcNetSource({ clock, timers: clock, procRoot: root, intervalMs: 1000 });
    const readings: NetReading[] = [];
    source.start((r) => readings.push(r));
    clock.advance(0);
    write(listening + outbound);
    clock.advance(1000);
    write(listening + tcpLine(1, '0100007F:B2F0', '0100007F:01BB', '06', 2)); // TIME_WAIT: closed
    clock.advance(1000);
    source.stop();
    write(listening);
    clock.advance(5000);
    const summary = readings.map((r) => (r.type === 'counters' ? `counters@${r.atMs}:${r.interfaces.length}` : `${r.action}@${r.atMs}:${r.localPort}>${r.remotePort}:${r.state}`));
    assert.deepEqual(summary, ['counters@0:2', 'counters@1000:2', 'opened@1000:45808>443:ESTABLISHED', 'counters@2000:2', 'closed@2000:45808>443:ESTABLISHED']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('proc net source: a host without /proc/net is a typed error at start', () => {
  const clock = new ManualClock();
  assert.throws(() => new ProcNetSource({ clock, timers: clock, procRoot: '/nonexistent-proc' }).start(() => {}), (e) => isChimaeraError(e, 'sensors.source_unavailable'));
});
