// Layer rules of ARCHITECTURE.md, checked by `npm run lint:layers` (part of `npm test`).
//   0 common  1 hal  2 kernel  3 fs llm net sensors  4 perception anomaly memory train
//   5 consent cognition  6 shell cli
// An import may point down, or sideways inside its own layer (except where a
// rule below forbids it). Only hal/hosted, shell and cli may import node:*.
// Across folders, imports go through the other folder's index.ts.
const layers = [
  ['common'],
  ['hal'],
  ['kernel'],
  ['fs', 'llm', 'net', 'sensors'],
  ['perception', 'anomaly', 'memory', 'train'],
  ['consent', 'cognition'],
  ['shell', 'cli'],
];

const layerOf = (folder) => layers.findIndex((l) => l.includes(folder));
const forbidden = [];

for (const [level, folders] of layers.entries()) {
  const higher = layers.slice(level + 1).flat();
  for (const folder of folders) {
    if (higher.length > 0) {
      forbidden.push({
        name: `layer-${folder}`,
        comment: `${folder} (layer ${level}) may not import a higher layer (${higher.join(', ')})`,
        severity: 'error',
        from: { path: `^src/${folder}/` },
        to: { path: `^src/(${higher.join('|')})/` },
      });
    }
  }
}

module.exports = {
  forbidden: [
    ...forbidden,
    {
      name: 'consent-below-cognition',
      comment: 'cognition may import consent, never the reverse',
      severity: 'error',
      from: { path: '^src/consent/' },
      to: { path: '^src/cognition/' },
    },
    {
      name: 'node-builtins-only-at-the-edge',
      comment: 'only hal/hosted, shell and cli may import node:* (kernel code stays host-independent)',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/(hal/hosted|shell|cli)/', '\\.test\\.ts$'] },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'through-the-index',
      comment: 'import another folder only through its index.ts',
      severity: 'error',
      from: { path: '^src/([^/]+)/' },
      to: {
        path: '^src/([^/]+)/',
        pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$', '^src/hal/(hosted|memory)/index\\.ts$'],
      },
    },
    {
      name: 'no-test-code-in-the-system',
      comment: 'production code may not import test files',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.test\\.ts$' },
      to: { path: '\\.test\\.ts$' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // AssemblyScript sources (compiled to WebAssembly by scripts/build-wasm.js), not TypeScript of the system
    exclude: { path: '^src/llm/kernels/wasm/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
