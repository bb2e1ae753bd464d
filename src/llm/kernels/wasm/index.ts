// AssemblyScript entry of build/wasm/llm-kernels.wasm (scripts/build-wasm.js).
// Every export is a pure kernel over byte offsets into the imported shared
// memory `env.memory` (the kernel arena); nothing here allocates, and the
// module has no data segments, so instantiating it writes no memory.
// The TypeScript loader and the calling contract: ../wasm-kernels.ts.

export { dotQ8_0, matmulQ8_0, unpackQ8_0Activations } from './q8_0';
export { dotF32, matmulF32 } from './f32';
export { dotQ4_K, matmulQ4_K } from './q4_k';
export { dotQ5_K, matmulQ5_K } from './q5_k';
export { dotQ6_K, matmulQ6_K } from './q6_k';
export { dotQ4_0, matmulQ4_0, dotQ5_0, matmulQ5_0 } from './q4_0';
export { dotF16, matmulF16, dotBf16, matmulBf16 } from './half-dot';
export { quantizeQ8_0, quantizeQ8_K, quantizeF16, quantizeBf16 } from './activations';
export { attendRows } from './attention';
export { swiglu } from './swiglu';
export { runChunks, workerLoop } from './pool';
