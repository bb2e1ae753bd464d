// Canonical names and pattern algebra: normalisation, rejection of climbing/NUL/aliases, FAT case folding, covers/overlap against a brute-force model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isChimaeraError } from '../common/index.ts';
import { canonicalPath, canonicalPattern, parsePattern, patternCovers, patternMatches, patternsOverlap, resourceShape, shapeCovers, shapesOverlap } from './patterns.ts';
import type { ResourcePattern } from './types.ts';

const isMalformed = (error: unknown) => isChimaeraError(error, 'consent.malformed_request');
const path = (pattern: string): ResourcePattern => ({ kind: 'path', pattern });

test('paths normalise: doubled slashes, ".", trailing slash; case folds like FAT', () => {
  assert.equal(canonicalPath('/Home//Notes/./A.TXT/'), '/home/notes/a.txt');
  assert.equal(canonicalPath('/'), '/');
  assert.equal(canonicalPath('//'), '/');
  // FAT compares by simple upper-casing per code point: long s (U+017F) upper-cases to S
  assert.equal(canonicalPath('/home/\u017Fecret'), canonicalPath('/home/SECRET'));
  // the Kelvin sign does not upper-case to K, so FAT keeps it apart from k
  assert.notEqual(canonicalPath('/home/\u212A'), canonicalPath('/home/k'));
  assert.equal(canonicalPath('/home/Ärger'), canonicalPath('/home/äRGER'));
});

test('paths that could escape or confuse matching are rejected', () => {
  for (const bad of ['', 'home/a', '/home/notes/../secret', '/..', '/home/a\u0000b', '/home/a\nb', '/home/a*', '/home/a?', '/home/a:b', '/home/a\\b', '/home/a.', '/home/a ', '/home/NOTES~1.TXT', '/home/abc~2', '/home/\ud800x', 'x'.repeat(2000)]) {
    assert.throws(() => canonicalPath(bad), isMalformed, JSON.stringify(bad));
  }
  assert.throws(() => canonicalPath(42), isMalformed);
  assert.equal(canonicalPath('/home/a~b.txt'), '/home/a~b.txt', 'a tilde without a digit is not an alias');
});

test('patterns: exact, dir/*, dir/**, *@domain, * for sensors; other wildcards are invalid', () => {
  assert.deepEqual(canonicalPattern(path('/Home/Notes/**')), path('/home/notes/**'));
  assert.deepEqual(canonicalPattern(path('/*')), path('/*'));
  assert.deepEqual(canonicalPattern({ kind: 'recipient', pattern: '*@X.org' }), { kind: 'recipient', pattern: '*@x.org' });
  assert.deepEqual(canonicalPattern({ kind: 'sensor', pattern: '*' }), { kind: 'sensor', pattern: '*' });
  for (const bad of [path('/home/*/a'), path('/home/a*'), path('/home/***'), path('/**/x'), { kind: 'recipient', pattern: '*' } as ResourcePattern, { kind: 'recipient', pattern: 'b*b@x.org' } as ResourcePattern, { kind: 'sensor', pattern: 'm*' } as ResourcePattern, { kind: 'disk', pattern: 'x' } as unknown as ResourcePattern]) {
    assert.throws(() => parsePattern(bad), (e: unknown) => isChimaeraError(e, 'consent.pattern_invalid') || isMalformed(e), JSON.stringify(bad));
  }
});

test('matching: one level vs subtree; ".." in a resource never matches, it is rejected', () => {
  const file = (name: string) => ({ kind: 'path' as const, name });
  assert.ok(patternMatches(path('/home/notes/*'), file('/home/notes/a.txt')));
  assert.ok(!patternMatches(path('/home/notes/*'), file('/home/notes/sub/a.txt')));
  assert.ok(!patternMatches(path('/home/notes/*'), file('/home/notes')));
  assert.ok(patternMatches(path('/home/notes/**'), file('/home/notes')));
  assert.ok(patternMatches(path('/home/notes/**'), file('/HOME/notes/sub/A.txt')));
  assert.ok(!patternMatches(path('/home/notes/**'), file('/home/notes2/a.txt')));
  assert.ok(patternMatches(path('/home/notes/**'), file('/home/notes/sub/**')), 'a subtree need inside the grant');
  assert.ok(!patternMatches(path('/home/notes/*'), file('/home/notes/**')));
  assert.throws(() => patternMatches(path('/home/notes/**'), file('/home/notes/../secret')), isMalformed);
  assert.ok(patternMatches({ kind: 'recipient', pattern: '*@x.org' }, { kind: 'recipient', name: 'Bob@X.org' }));
  assert.ok(!patternMatches({ kind: 'recipient', pattern: '*@x.org' }, { kind: 'recipient', name: 'bob@evil-x.org' }));
  assert.ok(!patternMatches({ kind: 'recipient', pattern: '*@x.org' }, { kind: 'recipient', name: 'bob@sub.x.org' }));
  assert.ok(!patternMatches(path('/**'), { kind: 'recipient', name: 'bob' }), 'kinds never mix');
  assert.ok(patternsOverlap(path('/home/*'), path('/home/notes/**')), '/home/notes itself is a child of /home');
  assert.ok(patternsOverlap(path('/**'), path('/lived/grants/**')));
  assert.ok(!patternsOverlap(path('/home/**'), path('/lived/**')));
  assert.ok(patternCovers(path('/home/**'), path('/home/notes/*')));
  assert.ok(!patternCovers(path('/home/notes/*'), path('/home/**')));
});

// ── brute-force model: enumerate a small tree of names and compare the algebra with set operations ──

const NAMES = ['a', 'b'];
const UNIVERSE: string[] = (() => {
  const out = ['/'];
  const grow = (prefix: string, depth: number) => {
    if (depth === 0) return;
    for (const n of NAMES) {
      const p = prefix === '/' ? `/${n}` : `${prefix}/${n}`;
      out.push(p);
      grow(p, depth - 1);
    }
  };
  grow('/', 4);
  return out;
})();
/** bases at depth ≤ 2, so every pattern's matches at depth ≤ 4 stand for its infinite set */
const pathPattern = fc
  .tuple(fc.array(fc.constantFrom(...NAMES), { maxLength: 2 }), fc.constantFrom('', '/*', '/**'))
  .map(([segments, suffix]) => {
    const base = '/' + segments.join('/');
    return path(suffix === '' ? base : base === '/' ? suffix : base + suffix);
  });
const matchSet = (p: ResourcePattern) => new Set(UNIVERSE.filter((name) => {
  const depth = name === '/' ? 0 : name.split('/').length - 1;
  return depth <= 3 && patternMatches(p, { kind: 'path', name });
}));

test('property: covers and overlap agree with subset and intersection over an enumerated tree', () => {
  fc.assert(
    fc.property(pathPattern, pathPattern, (a, b) => {
      const setA = matchSet(a);
      const setB = matchSet(b);
      const subset = [...setB].every((x) => setA.has(x));
      const intersects = [...setB].some((x) => setA.has(x));
      assert.equal(patternCovers(a, b), subset, `covers(${a.pattern}, ${b.pattern})`);
      assert.equal(patternsOverlap(a, b), intersects, `overlap(${a.pattern}, ${b.pattern})`);
      assert.equal(shapesOverlap(parsePattern(a), parsePattern(b)), shapesOverlap(parsePattern(b), parsePattern(a)));
    }),
    { numRuns: 300 },
  );
});

test('property: canonicalisation is idempotent and case-insensitive for ASCII names', () => {
  const segment = fc.stringMatching(/^[A-Za-z0-9_-]{1,8}(\.[A-Za-z]{1,3})?$/).filter((s) => !/~[0-9]/.test(s));
  fc.assert(
    fc.property(fc.array(segment, { minLength: 1, maxLength: 4 }), (segments) => {
      const raw = '/' + segments.join('/');
      const once = canonicalPath(raw);
      assert.equal(canonicalPath(once), once);
      assert.equal(canonicalPath(raw.toUpperCase()), once);
      assert.ok(shapeCovers(resourceShape({ kind: 'path', name: raw }), resourceShape({ kind: 'path', name: raw.toLowerCase() })));
    }),
    { numRuns: 200 },
  );
});
