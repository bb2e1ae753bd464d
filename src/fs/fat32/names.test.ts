/** Tests for FAT names: paths, validation, case folding, 8.3 aliases (basis name + numeric tail), LFN checksum and chunks. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isChimaeraError } from '../../common/index.ts';
import { CASE_LOWER_BASE, CASE_LOWER_EXT } from './dir-entry.ts';
import {
  chooseShortName,
  exactShortName,
  foldName,
  longNameChunks,
  longNameFromChunks,
  packShortName,
  shortNameChecksum,
  shortNameKey,
  shortNameToString,
  splitPath,
  validateLongName,
} from './names.ts';

const key = (base: string, ext: string) => shortNameKey(packShortName(base, ext));
const alias = (name: string, taken: string[] = []) => {
  const c = chooseShortName(name, new Set(taken));
  return { text: shortNameToString(c.name, 0), caseFlags: c.caseFlags, lfn: c.needsLongName };
};

test('splitPath resolves absolute paths and rejects relative or empty ones', () => {
  assert.deepEqual(splitPath('/'), []);
  assert.deepEqual(splitPath('/a//b/./c/../d/'), ['a', 'b', 'd']);
  assert.throws(() => splitPath('a/b'), (e) => isChimaeraError(e, 'fs.path_invalid'));
  assert.throws(() => splitPath(''), (e) => isChimaeraError(e, 'fs.path_invalid'));
});

test('validateLongName rejects forbidden characters, trailing dot/space, > 255 units, lone surrogates', () => {
  for (const bad of ['a*b', 'a?', 'x:y', 'pipe|', 'q"', '<', 'tab\t', 'dot.', 'space ', 'x'.repeat(256), 'bad\ud800']) {
    assert.throws(() => validateLongName(bad, '/t'), (e) => isChimaeraError(e, 'fs.name_invalid'), JSON.stringify(bad));
  }
  for (const good of ['a', 'x'.repeat(255), 'with space.txt', '日本語', 'emoji 😀', '.hidden', 'a+b,c;d=e[f]']) validateLongName(good, '/t');
});

test('foldName upper-cases code point by code point (simple case mapping)', () => {
  assert.equal(foldName('Straße ǆ é'), 'STRAßE Ǆ É');
  assert.equal(foldName('😀a'), '😀A');
});

test('names that are valid 8.3 in one case per part need no LFN and use the NT case flags', () => {
  assert.deepEqual(alias('README.TXT'), { text: 'README.TXT', caseFlags: 0, lfn: false });
  assert.deepEqual(alias('readme.txt'), { text: 'README.TXT', caseFlags: CASE_LOWER_BASE | CASE_LOWER_EXT, lfn: false });
  assert.deepEqual(alias('readme.TXT'), { text: 'README.TXT', caseFlags: CASE_LOWER_BASE, lfn: false });
  assert.deepEqual(alias('MAKEFILE'), { text: 'MAKEFILE', caseFlags: 0, lfn: false });
  assert.deepEqual(alias('123.4'), { text: '123.4', caseFlags: 0, lfn: false });
  assert.equal(exactShortName('ReadMe.txt'), undefined, 'mixed case needs a long name');
});

test('basis name and numeric tail follow the spec', () => {
  assert.deepEqual(alias('ReadMe.txt'), { text: 'README.TXT', caseFlags: 0, lfn: true }, 'fits 8.3 upper-cased: no tail');
  assert.equal(alias('The quick brown.fox').text, 'THEQUI~1.FOX');
  assert.equal(alias('The quick brown.fox', [key('THEQUI~1', 'FOX')]).text, 'THEQUI~2.FOX');
  assert.equal(alias('.bashrc').text, 'BASHRC~1');
  assert.equal(alias('my.file.name.text').text, 'MY~1.TEX');
  assert.equal(alias('日本語.txt').text, '___~1.TXT');
  assert.equal(alias('a+b.c').text, 'A_B~1.C');
  const taken = Array.from({ length: 9 }, (_, i) => key(`LONGNA~${i + 1}`, ''));
  assert.equal(alias('long name here', taken).text, 'LONGN~10');
});

test('property: a generated alias is a valid upper-case 8.3 name not already taken', () => {
  const nameArb = fc.string({ minLength: 1, maxLength: 40, unit: fc.constantFrom(...'aB3 .+~_é日😀-x'.split('')) }).filter((s) => {
    try {
      validateLongName(s, '/');
      return true;
    } catch {
      return false;
    }
  });
  fc.assert(
    fc.property(nameArb, fc.array(nameArb, { maxLength: 8 }), (name, others) => {
      const taken = new Set<string>();
      for (const other of others) taken.add(shortNameKey(chooseShortName(other, taken).name));
      const choice = chooseShortName(name, taken);
      assert.ok(!taken.has(shortNameKey(choice.name)));
      assert.equal(choice.name.length, 11);
      for (const b of choice.name) assert.ok(b === 0x20 || (b > 0x20 && b < 0x7f && !(b >= 0x61 && b <= 0x7a)), `byte ${b}`);
      assert.notEqual(choice.name[0], 0x20);
      if (!choice.needsLongName) assert.equal(foldName(shortNameToString(choice.name, choice.caseFlags)), foldName(name));
      else assert.equal(choice.caseFlags, 0);
    }),
  );
});

test('LFN checksum matches the spec algorithm on a known name', () => {
  // rotate-right-and-add over "FOO     BAR"
  let sum = 0;
  for (const b of packShortName('FOO', 'BAR')) sum = (((sum & 1) << 7) + (sum >> 1) + b) & 0xff;
  assert.equal(shortNameChecksum(packShortName('FOO', 'BAR')), sum);
  assert.notEqual(shortNameChecksum(packShortName('FOO', 'BAR')), shortNameChecksum(packShortName('FOO', 'BAS')));
});

test('property: long names round-trip through 13-unit LFN chunks (terminator and 0xFFFF padding)', () => {
  fc.assert(
    fc.property(fc.string({ minLength: 1, maxLength: 255, unit: 'grapheme' }).filter((s) => s.length <= 255 && !s.includes('\u0000')), (name) => {
      const chunks = longNameChunks(name);
      assert.equal(chunks.length, Math.ceil(name.length / 13));
      assert.equal(longNameFromChunks(chunks), name);
      if (name.length % 13 !== 0) {
        const last = chunks[chunks.length - 1]!;
        const end = name.length % 13;
        assert.equal(last[end], 0);
        for (let i = end + 1; i < 13; i++) assert.equal(last[i], 0xffff);
      }
    }),
  );
});
