// AssemblyScript entry of build/wasm/llm-kernels.wasm (scripts/build-wasm.js).
// Every export is a pure kernel over byte offsets into the imported shared
// memory `env.memory` (the kernel arena); nothing here allocates, and the
// module has no data segments, so instantiating it writes no memory.
// The TypeScript loader and the calling contract: ../wasm-kernels.ts.

export { dotQ8_0, matmulQ8_0 } from './q8_0';
export { dotF32, matmulF32 } from './f32';
export { dotQ4_K, matmulQ4_K } from './q4_k';
