/**
 * cognition/grammar/test-tools — a small tool list for the grammar tests,
 * covering every parameter type, optional parameters, names that share a
 * prefix (fs.read / fs.readdir) and a tool without parameters; tight bounds
 * so that tests reach them. Used by tests only.
 */

import type { ToolParam, ToolSpec } from '../tool-spec.ts';

function tool(name: string, params: ToolParam[]): ToolSpec {
  return {
    name,
    description: `${name} (grammar test tool)`,
    params,
    risk: 'read',
    needs: () => [],
    run: () => Promise.reject(new Error('grammar test tools do not run')),
  };
}

const param = (name: string, type: ToolParam['type'], optional = false): ToolParam => ({ name, type, description: name, role: 'option', optional });

export const TEST_TOOLS: readonly ToolSpec[] = [
  tool('fs.read', [param('path', { kind: 'path', maxLength: 40 }), param('offset', { kind: 'integer', min: 0, max: 5000 }, true)]),
  tool('fs.readdir', [param('path', { kind: 'path', maxLength: 40 })]),
  tool('fs.write', [param('path', { kind: 'path', maxLength: 40 }), param('text', { kind: 'string', maxLength: 48 })]),
  tool('share.send', [param('to', { kind: 'recipient' }), param('text', { kind: 'string', maxLength: 30 })]),
  tool('klog.read', [param('last', { kind: 'integer', min: 1, max: 200 }, true), param('level', { kind: 'enum', values: ['info', 'warn', 'error'] }, true)]),
  tool('time.now', []),
  tool('tool.describe', [param('name', { kind: 'tool-name' })]),
  tool('math.add', [param('a', { kind: 'integer', min: -50, max: 1234 }), param('b', { kind: 'integer', min: 7, max: 7 })]),
  tool('reply', [param('text', { kind: 'string', maxLength: 64 })]),
];

/** the grammar options the tests compile TEST_TOOLS with */
export const TEST_GRAMMAR_OPTIONS = { maxCalls: 4, recipientMaxBytes: 24 } as const;
