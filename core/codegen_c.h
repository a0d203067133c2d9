/* C source for a model's per-block kernels, generated from the interpreter's
 * bytecode (bytecode.h): the same straight-line code, after the same lowering
 * of the integration scheme (integrate.c, lower.c), the same value numbering
 * (common subexpressions computed once) and the same loop-invariant preamble.
 * Only the way it runs differs: where the interpreter loops over the lanes
 * once per instruction, the kernel runs all the arithmetic of a step for one
 * lane in the body of one `omp simd` loop over the block's lanes (SoA arrays,
 * `restrict`), so the compiler keeps the temporaries in vector registers;
 * exp is the interpreter's own mf_exp (mf_exp.h, printed into the file), so
 * it vectorises; calls into libm that have no vector form (log, sin, pow...)
 * split that loop into stages (codegen_c.c explains how).
 *
 * Every bytecode operation is printed as the C expression interp.c evaluates
 * for it, in the same order, and the kernel is compiled without contraction
 * (kernel_cache.c: -ffp-contract=off) and without -ffast-math, so a kernel
 * computes bit for bit what the interpreter computes (the project builds
 * the interpreter as ISO C, where GCC does not contract either).
 *
 * The generated file exports (all `const mf_kernel_args *` -> void):
 *   mf_kernel_preamble  loop-invariant values of the block (once per block)
 *   mf_kernel_step      the step programs (refractory, update, threshold)
 *   mf_kernel_reset     the reset program (lanes with _spike != 0)
 * and `int mf_kernel_abi(void)` returning MF_KERNEL_ABI, `int
 * mf_kernel_scratch(void)` the number of scratch arrays a block provides in
 * mf_kernel_args.tmp. */
#ifndef MF_CORE_CODEGEN_C_H
#define MF_CORE_CODEGEN_C_H

#include "bytecode.h"

#include <stdbool.h>

/* Bumped whenever mf_kernel_args or the exported names change: a cached
 * kernel of another ABI is refused (and its source hash differs anyway). */
#define MF_KERNEL_ABI 2

/* The fields are written once, here, and printed into every generated file
 * by stringizing this macro, so the two sides cannot drift apart. */
#define MF_KERNEL_ARGS_FIELDS                                                                  \
    int n;                       /* lanes of the block */                                      \
    long k;                      /* step index */                                              \
    double t;                    /* k*dt */                                                    \
    double *const *reg;          /* the bytecode's register arrays (fixed, pinned) */          \
    const double *const *series; /* inputs then targets: n_traces x n_steps */                 \
    long n_steps;                /* samples per trace of every series */                       \
    const long *lane_base;       /* per lane: trace * n_steps */                               \
    const double *scalars;       /* per-run scalars (iteration) */                             \
    double *tmp;                 /* mf_kernel_scratch() arrays of `capacity` doubles */        \
    int capacity;

typedef struct mf_kernel_args {
    MF_KERNEL_ARGS_FIELDS
} mf_kernel_args;

typedef void (*mf_kernel_fn)(const mf_kernel_args *a);

/* What to generate: the module's preamble (program 0), the programs fused
 * into mf_kernel_step in this order (each index > 0; absent ones are left
 * out by the caller), and the reset program (0: an empty reset). */
typedef struct mf_codegen_in {
    const mf_bc_module *mod;
    const int *step_progs;
    int n_step_progs;
    int reset_prog;
} mf_codegen_in;

/* The C source text (malloc'd), or NULL when out of memory. */
char *mf_codegen_c(const mf_codegen_in *in);

#endif
