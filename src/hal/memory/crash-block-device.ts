/**
 * A block device that loses power on demand, for crash-safety tests.
 *
 * It keeps a durable image plus the writes made since the last flush (every
 * version of every unsynced sector). `flush()` makes them durable. After
 * `powerFail()`, or once an armed write budget runs out, every call fails
 * with dev.io ("power lost"). `imageAfterCrash(rng)` then builds what a
 * disk could hold when power returns: flushed data exactly, and for each
 * unsynced sector independently one of
 *   - keep:  one of the versions written since the flush,
 *   - drop:  the durable (old) contents,
 *   - tear:  old contents with a random run of 64-byte chunks from a newer
 *            version (a torn sector: the write stopped part-way).
 * This is the contract of BlockDevice (block-device.ts): before a flush,
 * writes may land in any order, or partly.
 *
 * Storage is copy-on-write over the image it starts from (which it never
 * writes and does not copy), so a crash trial on a large volume costs only
 * the sectors it touched: `deviceAfterCrash` gives the post-crash disk as a
 * new device sharing that image; `imageAfterCrash` materialises the bytes
 * (for fsck.fat and friends).
 */

import { fail, Rng } from '../../common/index.ts';
import { checkBlockAccess, type BlockDevice } from '../block-device.ts';

export type CrashOutcome = 'keep' | 'drop' | 'tear';
export type CrashPolicy = 'random' | CrashOutcome;

/** size of the unit a torn write is made of [bytes] */
const TEAR_CHUNK = 64;

export class CrashBlockDevice implements BlockDevice {
  readonly sectorSize: number;
  readonly sectorCount: number;
  readonly readOnly = false;
  /** the starting image, (sectorCount × sectorSize) bytes; never written */
  private readonly base: Uint8Array;
  /** flushed sectors that differ from `base`: sector → contents */
  private readonly durable: Map<number, Uint8Array>;
  /** unsynced writes: sector → every version written since the last flush, oldest first */
  private readonly pending = new Map<number, Uint8Array[]>();
  /** sector writes accepted so far (a multi-sector write counts each sector) */
  sectorWrites = 0;
  /** write() calls accepted so far */
  writeCalls = 0;
  private writeBudget = Infinity;
  private powered = true;

  /** a device starting from `image`, which it shares (never writes): do not change `image` while the device is in use */
  constructor(image: Uint8Array, sectorSize = 512, durable: Map<number, Uint8Array> = new Map()) {
    if (image.length % sectorSize !== 0) throw new RangeError('CrashBlockDevice: image is not whole sectors');
    this.sectorSize = sectorSize;
    this.sectorCount = image.length / sectorSize;
    this.base = image;
    this.durable = durable;
  }

  static blank(sectorCount: number, sectorSize = 512): CrashBlockDevice {
    return new CrashBlockDevice(new Uint8Array(sectorCount * sectorSize), sectorSize);
  }

  /** lose power after `n` more write() calls succeed (the (n+1)-th fails) */
  armCrashAfterWrites(n: number): void {
    this.writeBudget = this.writeCalls + n;
  }

  /** lose power now */
  powerFail(): void {
    this.powered = false;
  }

  get powerLost(): boolean {
    return !this.powered;
  }

  /** number of sectors written but not yet flushed */
  get unsyncedSectors(): number {
    return this.pending.size;
  }

  read(lba: number, out: Uint8Array): void {
    this.checkPower();
    checkBlockAccess(this, lba, out.length, 'read');
    const size = this.sectorSize;
    for (let i = 0; i < out.length / size; i++) {
      const versions = this.pending.get(lba + i);
      out.set(versions !== undefined ? versions[versions.length - 1]! : this.durableSector(lba + i), i * size);
    }
  }

  write(lba: number, data: Uint8Array): void {
    this.checkPower();
    checkBlockAccess(this, lba, data.length, 'write');
    if (this.writeCalls >= this.writeBudget) {
      this.powered = false;
      this.checkPower();
    }
    const size = this.sectorSize;
    for (let i = 0; i < data.length / size; i++) {
      const copy = data.slice(i * size, (i + 1) * size);
      const versions = this.pending.get(lba + i);
      if (versions === undefined) this.pending.set(lba + i, [copy]);
      else versions.push(copy);
      this.sectorWrites++;
    }
    this.writeCalls++;
  }

  flush(): void {
    this.checkPower();
    for (const [lba, versions] of this.pending) this.durable.set(lba, versions[versions.length - 1]!);
    this.pending.clear();
  }

  close(): void {
    this.flush();
  }

  /** the disk after power loss now, as a new device sharing this one's starting image; does not change this device */
  deviceAfterCrash(rng: Rng, policy: CrashPolicy = 'random'): CrashBlockDevice {
    const durable = new Map(this.durable);
    for (const [lba, versions] of this.pending) {
      const outcome: CrashOutcome = policy === 'random' ? rng.pick(['keep', 'drop', 'tear'] as const) : policy;
      if (outcome === 'keep') {
        durable.set(lba, rng.pick(versions));
      } else if (outcome === 'tear') {
        const torn = this.durableSector(lba).slice();
        const newer = rng.pick(versions);
        const chunks = this.sectorSize / TEAR_CHUNK;
        const first = rng.int(0, chunks - 1);
        const last = rng.int(first, chunks - 1);
        torn.set(newer.subarray(first * TEAR_CHUNK, (last + 1) * TEAR_CHUNK), first * TEAR_CHUNK);
        durable.set(lba, torn);
      }
    }
    return new CrashBlockDevice(this.base, this.sectorSize, durable);
  }

  /** the disk contents after power loss now; does not change this device */
  imageAfterCrash(rng: Rng, policy: CrashPolicy = 'random'): Uint8Array {
    return this.deviceAfterCrash(rng, policy).durableImage();
  }

  /** the flushed contents alone (every unsynced sector dropped) */
  durableImage(): Uint8Array {
    const image = this.base.slice();
    for (const [lba, sector] of this.durable) image.set(sector, lba * this.sectorSize);
    return image;
  }

  private durableSector(lba: number): Uint8Array {
    return this.durable.get(lba) ?? this.base.subarray(lba * this.sectorSize, (lba + 1) * this.sectorSize);
  }

  private checkPower(): void {
    if (!this.powered) fail('dev.io', 'power lost (simulated crash)');
  }
}
