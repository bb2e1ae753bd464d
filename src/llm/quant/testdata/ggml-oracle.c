/*
 * ggml-oracle.c — regenerates ggml-golden.json, the known-answer vectors the
 * quant tests compare against. It links the ggml libraries node-llama-cpp
 * ships (no ggml source is compiled here) and records, for deterministic
 * pseudo-random inputs:
 *   - ggml_quantize_chunk output (what llama.cpp's quantize tool writes),
 *   - a CRC-32 of ggml's dequantized row (type_traits.to_float),
 *   - the activations quantized by the CPU backend's from_float (vec-dot type),
 *   - vec_dot of row and activations from the baseline x86-64 CPU variant
 *     (scalar "generic" kernels) and from the best variant for this machine.
 *
 * Build and run (from the repository root):
 *   B=node_modules/@node-llama-cpp/linux-x64/bins/linux-x64
 *   gcc -O1 -o /tmp/ggml-oracle src/llm/quant/testdata/ggml-oracle.c -L$B -l:libggml-base.so -ldl -lm -Wl,-rpath,$PWD/$B
 *   /tmp/ggml-oracle $B > src/llm/quant/testdata/ggml-golden.json
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

/* ggml.h / ggml-cpu.h declarations (struct layouts of llama.cpp release v0.4.0) */
typedef void (*to_float_t)(const void *x, float *y, int64_t k);
typedef void (*from_float_t)(const float *x, void *y, int64_t k);
typedef void (*vec_dot_t)(int n, float *s, size_t bs, const void *x, size_t bx, const void *y, size_t by, int nrc);
struct type_traits { const char *type_name; int64_t blck_size; int64_t blck_size_interleave; size_t type_size; _Bool is_quantized; to_float_t to_float; from_float_t from_float_ref; };
struct type_traits_cpu { from_float_t from_float; vec_dot_t vec_dot; int vec_dot_type; int64_t nrows; };
extern const struct type_traits *ggml_get_type_traits(int type);
extern size_t ggml_quantize_chunk(int type, const float *src, void *dst, int64_t start, int64_t nrows, int64_t n_per_row, const float *imatrix);
extern size_t ggml_row_size(int type, int64_t ne);

struct cpu_variant { const char *name; const struct type_traits_cpu *(*traits)(int); };

static struct cpu_variant load_variant(const char *dir, const char *name) {
  char path[4096];
  snprintf(path, sizeof path, "%s/libggml-cpu-%s.so", dir, name);
  void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!lib) { fprintf(stderr, "%s\n", dlerror()); exit(1); }
  void (*init)(void) = (void (*)(void))dlsym(lib, "ggml_cpu_init");
  init();
  struct cpu_variant v = { name, (const struct type_traits_cpu *(*)(int))dlsym(lib, "ggml_get_type_traits_cpu") };
  return v;
}

static int best_variant(const char *dir, const char **names, int count) {
  int best = 0, best_score = -1;
  for (int i = 0; i < count; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/libggml-cpu-%s.so", dir, names[i]);
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!lib) continue;
    int (*score)(void) = (int (*)(void))dlsym(lib, "ggml_backend_score");
    int s = score ? score() : 0;
    if (s > best_score) { best_score = s; best = i; }
  }
  return best;
}

/* splitmix32-style generator: the tests never regenerate inputs, they read them from the JSON */
static uint32_t rng_state;
static uint32_t next_u32(void) {
  uint32_t z = (rng_state += 0x9e3779b9u);
  z = (z ^ (z >> 16)) * 0x85ebca6bu;
  z = (z ^ (z >> 13)) * 0xc2b2ae35u;
  return z ^ (z >> 16);
}
static float uniform(void) { return (next_u32() >> 8) * (1.0f / 16777216.0f); }
static float normalish(void) { float s = 0; for (int i = 0; i < 4; i++) s += uniform(); return (s - 2.0f) * 1.7f; }

static void b64(const void *data, size_t len) {
  static const char *t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const unsigned char *p = data;
  putchar('"');
  for (size_t i = 0; i < len; i += 3) {
    uint32_t v = p[i] << 16 | (i + 1 < len ? p[i + 1] << 8 : 0) | (i + 2 < len ? p[i + 2] : 0);
    putchar(t[v >> 18 & 63]); putchar(t[v >> 12 & 63]);
    putchar(i + 1 < len ? t[v >> 6 & 63] : '='); putchar(i + 2 < len ? t[v & 63] : '=');
  }
  putchar('"');
}

static uint32_t crc32_bytes(const void *data, size_t len) {
  const unsigned char *p = data; uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < len; i++) { c ^= p[i]; for (int k = 0; k < 8; k++) c = c & 1 ? (c >> 1) ^ 0xedb88320u : c >> 1; }
  return ~c;
}

#define N 512
enum { F32 = 0, F16 = 1, Q4_0 = 2, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q4_K = 12, Q5_K = 13, Q6_K = 14, BF16 = 30 };

static void fill_case(int kind, float *w, float *x) {
  for (int i = 0; i < N; i++) { w[i] = normalish(); x[i] = normalish(); }
  switch (kind) {
  case 0: break;                                                             /* plain */
  case 1: for (int i = 0; i < N; i++) w[i] *= 0.02f; w[17] = 0.9f; w[300] = -1.3f; break; /* weight-like with outliers */
  case 2: for (int i = 0; i < N; i++) w[i] = fabsf(w[i]) + 0.5f; break;      /* all positive (min clamps to 0) */
  case 3: for (int i = 0; i < 256; i++) w[i] = 0; w[40] = 1e-3f; break;      /* a mostly empty super-block */
  case 4: for (int i = 0; i < N; i++) { w[i] *= 1e-6f; x[i] *= 1e3f; } break; /* tiny weights, large activations */
  case 5: for (int i = 0; i < N; i++) w[i] = (float)((int)(uniform() * 16) - 8) * 0.25f; break; /* on-grid values, ties */
  case 6: for (int i = 0; i < N; i++) { w[i] *= 40.0f; x[i] = -x[i] * 0.01f; } break; /* large weights */
  case 7: for (int i = 0; i < N; i++) w[i] = -fabsf(w[i]) * 3.0f; for (int i = 0; i < 32; i++) w[i] = 0.25f; break; /* negative, a constant block */
  }
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : ".";
  const char *names[] = { "x64", "sse42", "sandybridge", "haswell", "skylakex", "icelake", "alderlake", "sapphirerapids", "zen4", "cannonlake", "cascadelake", "cooperlake", "piledriver", "ivybridge" };
  struct cpu_variant generic = load_variant(dir, "x64");
  struct cpu_variant best = load_variant(dir, names[best_variant(dir, names, 14)]);
  const int types[] = { F32, F16, BF16, Q4_0, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K };
  const char *type_names[] = { "F32", "F16", "BF16", "Q4_0", "Q5_0", "Q5_1", "Q8_0", "Q4_K", "Q5_K", "Q6_K" };
  const int type_count = 10;
  static float w[N], x[N], deq[N];
  static unsigned char q[N * 4], act[N * 4];

  printf("{\n  \"generator\": \"src/llm/quant/testdata/ggml-oracle.c\",\n  \"llamaCpp\": \"v0.4.0 (node-llama-cpp 3.21.1 prebuilt)\",\n  \"bestVariant\": \"%s\",\n  \"n\": %d,\n  \"cases\": [\n", best.name, N);
  for (int kind = 0; kind < 8; kind++) {
    rng_state = 1234u + 77u * kind;
    fill_case(kind, w, x);
    printf("    {\n      \"case\": %d,\n      \"weights\": ", kind); b64(w, sizeof w);
    printf(",\n      \"activations\": "); b64(x, sizeof x);
    printf(",\n      \"types\": {\n");
    for (int t = 0; t < type_count; t++) {
      const int type = types[t];
      size_t row = ggml_row_size(type, N);
      ggml_quantize_chunk(type, w, q, 0, 1, N, NULL);
      ggml_get_type_traits(type)->to_float ? ggml_get_type_traits(type)->to_float(q, deq, N) : (void)memcpy(deq, q, sizeof deq);
      const struct type_traits_cpu *tg = generic.traits(type), *tb = best.traits(type);
      const int vtype = tg->vec_dot_type;
      size_t act_row = ggml_row_size(vtype, N);
      float dot_generic = 0, dot_best = 0;
      if (vtype == F32) memcpy(act, x, sizeof x); else generic.traits(vtype)->from_float(x, act, N);
      tg->vec_dot(N, &dot_generic, 0, q, 0, act, 0, 1);
      static unsigned char act_best[N * 4];
      if (vtype == F32) memcpy(act_best, x, sizeof x); else best.traits(vtype)->from_float(x, act_best, N);
      tb->vec_dot(N, &dot_best, 0, q, 0, act_best, 0, 1);
      printf("        \"%s\": { \"quantized\": ", type_names[t]); b64(type == F32 ? (void *)"" : (void *)q, type == F32 ? 0 : row);
      printf(", \"dequantizedCrc32\": %u, \"prepared\": ", crc32_bytes(deq, sizeof deq));
      b64(act, vtype == F32 ? 0 : act_row); /* F32: the activations themselves */
      printf(", \"preparedBest\": ");
      if (memcmp(act, act_best, act_row) == 0) printf("null"); else b64(act_best, act_row);
      printf(", \"dotGeneric\": %.9g, \"dotBest\": %.9g }%s\n", dot_generic, dot_best, t < type_count - 1 ? "," : "");
    }
    printf("      }\n    }%s\n", kind < 7 ? "," : "");
  }
  printf("  ]\n}\n");
  return 0;
}
