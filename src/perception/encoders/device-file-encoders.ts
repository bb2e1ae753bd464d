/**
 * USB and file-system encodings: one spike per event, on the channel of
 * (what happened × hashed class bucket). Stateless.
 *
 *   usb (48–55)  48 + (add 0 | remove 4) + (bucket mod 4)   the device-class bucket
 *   fs  (56–87)  56 + 8·op + bucket                        op: create 0, modify 1, delete 2, rename 3;
 *                                                          bucket: "top two folders|extension class"
 */

import type { SensorEvent } from '../../common/index.ts';
import { FS_OPS, FS_START, USB_START } from './channel-layout.ts';
import type { KindEncoder } from './kind-encoder.ts';

export class UsbEncoder implements KindEncoder {
  readonly stateLength = 0;

  encode(event: SensorEvent, out: Int32Array): number {
    if (event.type !== 'add' && event.type !== 'remove') return 0;
    out[0] = USB_START + (event.type === 'add' ? 0 : 4) + ((event.bucket ?? 0) & 3);
    return 1;
  }

  writeState(): void {}
  readState(): void {}
  reset(): void {}
}

export class FsEncoder implements KindEncoder {
  readonly stateLength = 0;

  encode(event: SensorEvent, out: Int32Array): number {
    const op = FS_OPS.indexOf(event.type as (typeof FS_OPS)[number]);
    if (op === -1) return 0;
    out[0] = FS_START + 8 * op + ((event.bucket ?? 0) & 7);
    return 1;
  }

  writeState(): void {}
  readState(): void {}
  reset(): void {}
}
