/** Round-trip and layout tests for the FAT32 on-disk codecs (boot sector, FSInfo, directory entries, time stamps). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BOOT_SECTOR_SIZE, decodeBootSector, decodeFsInfo, encodeBootSector, encodeFsInfo, FSINFO_SIZE, type BootSector } from './boot-sector.ts';
import {
  decodeLfnEntry,
  decodeShortEntry,
  decodeTimestamp,
  encodeLfnEntry,
  encodeShortEntry,
  encodeTimestamp,
  ENTRY_SIZE,
  isLfnSlot,
  type ShortEntry,
} from './dir-entry.ts';

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const asciiText = (n: number) => fc.string({ minLength: n, maxLength: n, unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 '.split('')) });

const bootSector: fc.Arbitrary<BootSector> = fc.record({
  jump: fc.tuple(u8, u8, u8),
  oemName: asciiText(8),
  bytesPerSector: u16,
  sectorsPerCluster: u8,
  reservedSectors: u16,
  fatCount: u8,
  rootEntryCount: u16,
  totalSectors16: u16,
  media: u8,
  fatSectors16: u16,
  sectorsPerTrack: u16,
  headCount: u16,
  hiddenSectors: u32,
  totalSectors32: u32,
  fatSectors32: u32,
  extendedFlags: u16,
  fsVersion: u16,
  rootCluster: u32,
  fsInfoSector: u16,
  backupBootSector: u16,
  driveNumber: u8,
  reserved1: u8,
  bootSignature: u8,
  volumeId: u32,
  volumeLabel: asciiText(11),
  fileSystemType: asciiText(8),
  hasSignature: fc.boolean(),
});

const shortEntry: fc.Arbitrary<ShortEntry> = fc.record({
  name: fc.uint8Array({ minLength: 11, maxLength: 11 }),
  attributes: u8,
  caseFlags: u8,
  createTenths: u8,
  createTime: u16,
  createDate: u16,
  accessDate: u16,
  firstCluster: u32,
  writeTime: u16,
  writeDate: u16,
  size: u32,
});

test('fixed-size structs have their spec sizes', () => {
  assert.equal(BOOT_SECTOR_SIZE, 512);
  assert.equal(FSINFO_SIZE, 512);
  assert.equal(ENTRY_SIZE, 32);
});

test('boot sector round-trips and puts fields at the spec offsets', () => {
  fc.assert(
    fc.property(bootSector, (value) => {
      const bytes = new Uint8Array(512);
      encodeBootSector(value, bytes, 0);
      const decoded = decodeBootSector(bytes, 0);
      assert.equal(decoded.length, 512);
      assert.deepEqual({ ...decoded.value }, { ...value });
      const view = new DataView(bytes.buffer);
      assert.equal(view.getUint16(11, true), value.bytesPerSector);
      assert.equal(view.getUint32(44, true), value.rootCluster);
      assert.equal(view.getUint32(67, true), value.volumeId);
    }),
  );
});

test('FSInfo round-trips; signatures decide validity', () => {
  fc.assert(
    fc.property(fc.boolean(), u32, u32, (valid, freeCount, nextFree) => {
      const bytes = new Uint8Array(1024);
      encodeFsInfo({ valid, freeCount, nextFree }, bytes, 512);
      assert.deepEqual(decodeFsInfo(bytes, 512).value, { valid, freeCount, nextFree });
    }),
  );
  const bytes = new Uint8Array(512);
  encodeFsInfo({ valid: true, freeCount: 7, nextFree: 3 }, bytes);
  assert.equal(new DataView(bytes.buffer).getUint32(0, true), 0x41615252);
  assert.equal(new DataView(bytes.buffer).getUint32(508, true), 0xaa550000);
});

test('short directory entries round-trip, first cluster split into HI and LO words', () => {
  fc.assert(
    fc.property(shortEntry, fc.integer({ min: 0, max: 4 }), (entry, slot) => {
      const bytes = new Uint8Array(ENTRY_SIZE * 5);
      encodeShortEntry(entry, bytes, slot * ENTRY_SIZE);
      const decoded = decodeShortEntry(bytes, slot * ENTRY_SIZE).value;
      assert.deepEqual({ ...decoded, name: [...decoded.name] }, { ...entry, name: [...entry.name] });
      const view = new DataView(bytes.buffer, slot * ENTRY_SIZE);
      assert.equal(view.getUint16(20, true), entry.firstCluster >>> 16);
      assert.equal(view.getUint16(26, true), entry.firstCluster & 0xffff);
    }),
  );
});

test('LFN entries round-trip and are recognised by their attribute byte', () => {
  fc.assert(
    fc.property(u8, fc.array(u16, { minLength: 13, maxLength: 13 }), u8, (order, units, checksum) => {
      const bytes = new Uint8Array(ENTRY_SIZE);
      encodeLfnEntry({ order, units: Uint16Array.from(units), checksum }, bytes, 0);
      const decoded = decodeLfnEntry(bytes, 0).value;
      assert.equal(decoded.order, order);
      assert.equal(decoded.checksum, checksum);
      assert.deepEqual([...decoded.units], units);
      assert.equal(isLfnSlot(bytes, 0), true);
      assert.equal(bytes[26], 0);
      assert.equal(bytes[27], 0);
    }),
  );
});

test('time stamps round-trip at 2-second (10 ms with tenths) resolution within 1980..2107', () => {
  const lowest = Date.UTC(1980, 0, 1);
  const highest = Date.UTC(2107, 11, 31, 23, 59, 59);
  fc.assert(
    fc.property(fc.integer({ min: lowest, max: highest }), (ms) => {
      const stamp = encodeTimestamp(ms);
      assert.equal(decodeTimestamp(stamp.date, stamp.time), ms - (ms % 2000));
      assert.equal(decodeTimestamp(stamp.date, stamp.time, stamp.tenths), ms - (ms % 10));
    }),
  );
  const first = encodeTimestamp(Date.UTC(2026, 0, 1, 13, 45, 31));
  assert.equal(first.date, ((2026 - 1980) << 9) | (1 << 5) | 1);
  assert.equal(first.time, (13 << 11) | (45 << 5) | 15);
  assert.equal(encodeTimestamp(0).date, encodeTimestamp(lowest).date, 'dates before 1980 clamp');
});
