// Record log codecs: sizes, round trips (fast-check), chained checksums, placement rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { crc32 } from '../../common/index.ts';
import {
  FRAME_CRC_OFFSET,
  FRAME_HEADER_SIZE,
  decodeFrameHeader,
  encodeFrameHeader,
  frameHeaderEncodingLength,
  nextFrameStart,
  sealFrame,
  sectorEndAfter,
  type FrameHeader,
} from './frame.ts';
import { LOG_HEADER_SIZE, LOG_MAGIC, computeLogHeaderCrc, decodeLogHeader, encodeLogHeader, logHeaderEncodingLength, logHeaderProblem } from './log-header.ts';

const u32 = fc.nat({ max: 0xffffffff });
const time = fc.double({ noNaN: true });

const frameHeader: fc.Arbitrary<FrameHeader> = fc.record({
  kind: fc.constantFrom('record', 'padding', 'epoch'),
  length: u32,
  seq: u32,
  epoch: u32,
  time,
  crc: u32,
});

test('SIZE constants match the encoders', () => {
  assert.equal(FRAME_HEADER_SIZE, 28);
  assert.equal(LOG_HEADER_SIZE, 36);
  assert.equal(frameHeaderEncodingLength(), FRAME_HEADER_SIZE);
  assert.equal(logHeaderEncodingLength(), LOG_HEADER_SIZE);
});

test('frame header round-trips at any offset', () => {
  fc.assert(
    fc.property(frameHeader, fc.nat({ max: 40 }), (header, offset) => {
      const bytes = new Uint8Array(offset + FRAME_HEADER_SIZE + 3);
      const view = new DataView(bytes.buffer);
      encodeFrameHeader(header, view, offset);
      const { value, length } = decodeFrameHeader(view, offset);
      assert.equal(length, FRAME_HEADER_SIZE);
      assert.deepEqual({ ...value, magic: undefined }, { ...header, magic: undefined });
      assert.ok(bytes.subarray(offset + FRAME_HEADER_SIZE).every((b) => b === 0), 'encoder wrote past its size');
    }),
  );
});

test('decoding garbage never throws and flags an unknown kind byte', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: FRAME_HEADER_SIZE, maxLength: FRAME_HEADER_SIZE }), (bytes) => {
      const { value } = decodeFrameHeader(new DataView(bytes.buffer), 0);
      assert.equal(value.kind === undefined, bytes[2]! === 0 || bytes[2]! > 3);
    }),
  );
});

test('log header round-trips and its crc covers every field', () => {
  fc.assert(
    fc.property(u32, u32, u32, time, fc.nat({ max: 31 }), (sectorSize, capacity, logId, createdTime, flip) => {
      const bytes = new Uint8Array(LOG_HEADER_SIZE);
      const crc = encodeLogHeader({ sectorSize, capacity, logId, createdTime }, bytes, 0);
      const { value, length } = decodeLogHeader(new DataView(bytes.buffer), 0);
      assert.equal(length, LOG_HEADER_SIZE);
      assert.deepEqual(value, { magic: LOG_MAGIC, version: 1, headerSize: LOG_HEADER_SIZE, sectorSize, capacity, logId, createdTime, crc });
      assert.equal(computeLogHeaderCrc(bytes, 0), crc);
      bytes[flip]! ^= 0x01;
      assert.notEqual(computeLogHeaderCrc(bytes, 0), crc);
    }),
  );
});

test('logHeaderProblem accepts a good header and names what is wrong with a bad one', () => {
  const device = { sectorSize: 512, sectorCount: 16 };
  const bytes = new Uint8Array(512);
  encodeLogHeader({ sectorSize: 512, capacity: 16, logId: 7, createdTime: 1 }, bytes, 0);
  const decode = () => decodeLogHeader(new DataView(bytes.buffer), 0).value;
  assert.equal(logHeaderProblem(decode(), bytes, 0, device), undefined);
  assert.match(logHeaderProblem(decode(), bytes, 0, { sectorSize: 512, sectorCount: 8 })!, /exceeds the device/);
  assert.match(logHeaderProblem(decode(), bytes, 0, { sectorSize: 4096, sectorCount: 16 })!, /512-byte sectors/);
  bytes[20] = 1;
  assert.match(logHeaderProblem(decode(), bytes, 0, device)!, /checksum/);
  bytes[0] = 0;
  assert.match(logHeaderProblem(decode(), bytes, 0, device)!, /magic/);
});

test('sealFrame chains: the crc continues the previous crc over header and payload', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), u32, (payload, previous) => {
      const bytes = new Uint8Array(FRAME_HEADER_SIZE + payload.length);
      const view = new DataView(bytes.buffer);
      encodeFrameHeader({ kind: 'record', length: payload.length, seq: 3, epoch: 2, time: 5, crc: 0 }, view, 0);
      bytes.set(payload, FRAME_HEADER_SIZE);
      const crc = sealFrame(bytes, view, 0, previous);
      const flat = new Uint8Array(FRAME_CRC_OFFSET + payload.length);
      flat.set(bytes.subarray(0, FRAME_CRC_OFFSET));
      flat.set(payload, FRAME_CRC_OFFSET);
      assert.equal(crc, crc32(flat, previous));
      assert.equal(decodeFrameHeader(view, 0).value.crc, crc);
      assert.notEqual(sealFrame(bytes, view, 0, (previous ^ 1) >>> 0), crc, 'the chain value must matter');
    }),
  );
});

test('placement: skip a sector tail too short for a frame header', () => {
  assert.equal(nextFrameStart(512, 512), 512);
  assert.equal(nextFrameStart(512 + 484, 512), 512 + 484, 'exactly one header fits');
  assert.equal(nextFrameStart(512 + 485, 512), 1024);
  assert.equal(nextFrameStart(1023, 512), 1024);
  assert.equal(sectorEndAfter(512, 512), 1024);
  assert.equal(sectorEndAfter(1023, 512), 1024);
});
