/**
 * Numeric CSV: header detection, CRLF and blank lines, errors that name the
 * line and column, and a format → parse round trip (fast-check).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isChimaeraError } from '../common/index.ts';
import { formatNumericCsv, parseNumericCsv } from './csv.ts';

test('a first row without numbers is a header; CRLF, spaces and blank lines are fine', () => {
  const parsed = parseNumericCsv('"cpu", disk\r\n1, 2.5\r\n\r\n-3e2,.5\r\n', 'x.csv');
  assert.deepEqual(parsed.header, ['cpu', 'disk']);
  assert.deepEqual([parsed.rows, parsed.cols], [2, 2]);
  assert.deepEqual([...parsed.data], [1, 2.5, -300, 0.5]);
  const bare = parseNumericCsv('1,2,3\n4,5,6', 'y.csv');
  assert.equal(bare.header, null);
  assert.deepEqual([...bare.data], [1, 2, 3, 4, 5, 6]);
});

test('bad cells and ragged rows are typed errors naming file, line and column', () => {
  const expectError = (text: string, pattern: RegExp) =>
    assert.throws(() => parseNumericCsv(text, 'in.csv'), (e) => isChimaeraError(e, 'anomaly.csv_invalid') && pattern.test(e.message));
  expectError('a,b\n1,2\n3,x\n', /in\.csv: line 3, column 2 \(b\): "x" is not a finite number/);
  expectError('1,2\n1,NaN\n', /line 2, column 2: "NaN"/);
  expectError('1,2\n1,Infinity\n', /line 2, column 2/);
  expectError('1,oops\n', /line 1, column 2: "oops"/);
  expectError('1,2\n\n3,4,5\n', /line 3 has 3 cells, expected 2/);
  expectError('1,\n', /line 1, column 2: ""/);
  expectError('a,b\n', /no data rows/);
});

test('formatNumericCsv then parseNumericCsv gives back the same numbers', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 5 }).chain((cols) => fc.tuple(fc.constant(cols), fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: cols, maxLength: cols * 8 }))),
      fc.boolean(),
      ([cols, values], withHeader) => {
        const rows = Math.floor(values.length / cols);
        const data = Float64Array.from(values.slice(0, rows * cols));
        const header = withHeader ? Array.from({ length: cols }, (_, c) => `col${c}`) : undefined;
        const parsed = parseNumericCsv(formatNumericCsv({ data, rows, cols }, header), 'p.csv');
        assert.deepEqual([parsed.rows, parsed.cols], [rows, cols]);
        assert.deepEqual([...parsed.data].map((v) => (Object.is(v, -0) ? 0 : v)), [...data].map((v) => (Object.is(v, -0) ? 0 : v)));
        assert.deepEqual(parsed.header, header ?? null);
      },
    ),
  );
});
