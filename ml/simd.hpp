#pragma once
// Run-time CPU dispatch for the few kernels that have an AVX2/FMA variant (the rest of freshet is
// built for baseline x86-64, so one binary runs everywhere). Such a kernel is declared with
// __attribute__((target("avx2,fma"))) and called only when cpu_has_avx2_fma() is true; its
// results may differ from the portable path in the last bits, so it is used only where the
// outcome is decided elsewhere (kNN's candidate pass, a Newton direction), never for a value
// freshet reports.

namespace freshet {

#if defined(__x86_64__) && defined(__GNUC__)
#define FRESHET_HAVE_AVX2_KERNELS 1
inline bool cpu_has_avx2_fma() {
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
}
#else
#define FRESHET_HAVE_AVX2_KERNELS 0
inline bool cpu_has_avx2_fma() { return false; }
#endif

}  // namespace freshet
