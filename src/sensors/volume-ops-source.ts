/**
 * The fs sense for our own FAT32 volume: the volume already announces its
 * operations on the bus as 'fs.op'; this source subscribes while capturing
 * and maps them onto the sensor's four operations
 * (create, mkdir → create; write, append, truncate → modify; rename; unlink, rmdir → delete).
 */

import type { EventMap } from '../common/index.ts';
import type { Clock, FileReading, SensorSource } from '../hal/index.ts';
import type { EventBus, Subscription } from '../kernel/index.ts';

const OPERATION: Record<EventMap['fs.op']['op'], FileReading['op']> = {
  create: 'create',
  mkdir: 'create',
  write: 'modify',
  append: 'modify',
  truncate: 'modify',
  rename: 'rename',
  unlink: 'delete',
  rmdir: 'delete',
};

export class VolumeOpsSource implements SensorSource<'fs'> {
  readonly kind = 'fs' as const;
  private readonly bus: Pick<EventBus, 'subscribe'>;
  private readonly clock: Clock;
  private subscription: Subscription<'fs.op'> | undefined;

  constructor(bus: Pick<EventBus, 'subscribe'>, clock: Clock) {
    this.bus = bus;
    this.clock = clock;
  }

  start(emit: (reading: FileReading) => void): void {
    if (this.subscription !== undefined) return;
    const subscription = this.bus.subscribe(['fs.op'], {
      name: 'sensors.fs.volume',
      onEvent: (event) => {
        if (this.subscription === subscription) emit({ kind: 'fs', atMs: this.clock.now(), op: OPERATION[event.payload.op], path: event.payload.path, origin: 'volume' });
      },
    });
    this.subscription = subscription;
  }

  stop(): void {
    this.subscription?.close();
    this.subscription = undefined;
  }
}
