/* The native backend: the interpreter's bytecode (the same lowering of the
 * integration scheme, threshold, reset and refractoriness) printed as C
 * (codegen_c.c), compiled by the system compiler and cached
 * (kernel_cache.c), then called once per block and step.
 *
 * It always prepares the interpreter's program first: the bytecode is what
 * it compiles, and the interpreter is what runs when there is no compiler,
 * compiling fails, or the method is a GSL one (adaptive per-lane driver,
 * which native code would not speed up). Every such fallback says so in one
 * log line through the context.
 *
 * exp: both backends use mf_exp (mf_exp.h), vectorised in the kernels, so
 * the kernels compute the interpreter's bits (tests/native/
 * test_native_parity.c checks equality). glibc's vector exp (libmvec) was
 * an option once: it is not the scalar exp bit for bit and the HH dynamics
 * grew its last-bit differences to 2e-10 relative. */
#include "codegen_c.h"
#include "engine.h"
#include "kernel_cache.h"

#include "context.h"
#include "error.h"

#include <stdlib.h>
#include <string.h>

typedef struct native_prog {
    const mf_backend *in; /* the interpreter */
    void *iprog;
    bool native; /* false: every call goes to the interpreter */
    bool gsl;    /* an adaptive GSL method: always the interpreter */
    mf_kernel_lib lib;
    mf_kernel_fn pre, step, reset;
    int n_scratch; /* arrays of the kernel's own temporaries per block */
    int n_fixed, n_regs;
    bool *pinned; /* per register: an array the preamble fills */
} native_prog;

typedef struct native_block {
    native_prog *p;
    void *iblock; /* the interpreter's block when !p->native */
    int capacity;
    double **reg;
    double *mem; /* pinned registers, then the kernel's scratch */
    double *tmp;
    long *lane_base;
} native_block;

/* --- prepare ------------------------------------------------------------------------- */

static void native_release(void *prog)
{
    native_prog *p = prog;
    if (!p)
        return;
    mf_kernel_lib_close(&p->lib);
    if (p->iprog)
        p->in->release(p->iprog);
    free(p->pinned);
    free(p);
}

static const char *bare(const mf_error *e)
{
    const char *m = e->message;
    return strncmp(m, "error: ", 7) == 0 ? m + 7 : m;
}

static mf_status generate(native_prog *p, const mf_interp_code *code, char **src, mf_error *err)
{
    int steps[3], n = 0;
    if (code->p_refr)
        steps[n++] = code->p_refr;
    if (code->p_update)
        steps[n++] = code->p_update;
    if (code->p_thresh)
        steps[n++] = code->p_thresh;
    mf_codegen_in in = {code->mod, steps, n, code->p_reset};
    *src = mf_codegen_c(&in);
    if (!*src)
        return mf_error_set(err, MF_ERR_NOMEM, "out of memory generating the model's C code");
    const mf_bc_module *mod = code->mod;
    p->n_fixed = mod->n_fixed;
    p->n_regs = mod->n_regs > mod->n_fixed ? mod->n_regs : mod->n_fixed;
    p->pinned = calloc((size_t)p->n_regs + 1, sizeof *p->pinned);
    if (!p->pinned)
        return mf_error_set(err, MF_ERR_NOMEM, "out of memory");
    for (int j = 0; j < mod->prog[0].n; j++)
        p->pinned[mod->prog[0].code[j].d] = true;
    return MF_OK;
}

static mf_status resolve(native_prog *p, mf_error *err)
{
    int (*abi)(void) = (int (*)(void))mf_kernel_lib_sym(&p->lib, "mf_kernel_abi");
    int (*scratch)(void) = (int (*)(void))mf_kernel_lib_sym(&p->lib, "mf_kernel_scratch");
    p->pre = (mf_kernel_fn)mf_kernel_lib_sym(&p->lib, "mf_kernel_preamble");
    p->step = (mf_kernel_fn)mf_kernel_lib_sym(&p->lib, "mf_kernel_step");
    p->reset = (mf_kernel_fn)mf_kernel_lib_sym(&p->lib, "mf_kernel_reset");
    if (!abi || !scratch || !p->pre || !p->step || !p->reset)
        return mf_error_set(err, MF_ERR_INTERNAL, "kernel %s lacks a function", p->lib.path);
    if (abi() != MF_KERNEL_ABI)
        return mf_error_set(err, MF_ERR_INTERNAL, "kernel %s has ABI %d, not %d", p->lib.path,
                            abi(), MF_KERNEL_ABI);
    p->n_scratch = scratch();
    return MF_OK;
}

/* Compiles (or finds in the cache) the kernel of the interpreter program;
 * an error here means "use the interpreter". */
static mf_status build_native(native_prog *p, const mf_context *ctx, mf_error *err)
{
    mf_interp_code code;
    mf_interp_code_of(p->iprog, &code);
    p->gsl = code.gsl;
    if (code.gsl)
        return mf_error_set(err, MF_ERR_UNSUPPORTED,
                            "adaptive GSL methods run in the interpreter");
    mf_cc cc;
    mf_status rc = mf_cc_find(&cc, err);
    if (rc != MF_OK)
        return rc;
    char *src = NULL;
    rc = generate(p, &code, &src, err);
    if (rc == MF_OK)
        rc = mf_kernel_lib_open(ctx, &cc, src, &p->lib, err);
    free(src);
    mf_cc_clear(&cc);
    if (rc == MF_OK)
        rc = resolve(p, err);
    return rc;
}

static mf_status native_prepare(const mf_model *m, double dt, const mf_engine_options *opt,
                                void **out, mf_error *err)
{
    *out = NULL;
    native_prog *p = calloc(1, sizeof *p);
    if (!p)
        return mf_error_set(err, MF_ERR_NOMEM, "out of memory");
    p->in = mf_backend_interp();
    mf_status rc = p->in->prepare(m, dt, opt, &p->iprog, err);
    if (rc != MF_OK) {
        native_release(p);
        return rc;
    }
    /* Without a context: no log lines, the default cache directory. */
    const mf_context *ctx = opt->ctx;
    mf_context *own = NULL;
    if (!ctx) {
        mf_error e2;
        if (mf_context_new(&own, &e2) != MF_OK) {
            native_release(p);
            return mf_error_set(err, MF_ERR_NOMEM, "out of memory");
        }
        ctx = own;
    }
    mf_error why;
    mf_error_clear(&why);
    p->native = build_native(p, ctx, &why) == MF_OK;
    if (!p->native) {
        /* GSL methods are interpreted by design (debug); no compiler is a
         * fact of the machine (info); anything else is a problem (warning). */
        mf_log_level lv = p->gsl                             ? MF_LOG_DEBUG
                          : why.status == MF_ERR_UNSUPPORTED ? MF_LOG_INFO
                                                             : MF_LOG_WARNING;
        mf_log(ctx, lv, "native kernels off: %s; the model runs in the interpreter",
               bare(&why));
        mf_kernel_lib_close(&p->lib);
    }
    mf_context_free(own);
    *out = p;
    return MF_OK;
}

/* --- blocks ------------------------------------------------------------------------------- */

static void native_block_free(void *scratch)
{
    native_block *s = scratch;
    if (!s)
        return;
    if (s->iblock)
        s->p->in->block_free(s->iblock);
    free(s->reg);
    free(s->mem);
    free(s->lane_base);
    free(s);
}

static void *native_block_new(void *prog, int capacity)
{
    native_prog *p = prog;
    native_block *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->p = p;
    s->capacity = capacity;
    if (!p->native) {
        s->iblock = p->in->block_new(p->iprog, capacity);
        if (!s->iblock) {
            free(s);
            return NULL;
        }
        return s;
    }
    int n_pinned = 0;
    for (int r = 0; r < p->n_regs; r++)
        n_pinned += p->pinned[r];
    s->reg = calloc((size_t)p->n_regs + 1, sizeof *s->reg);
    s->lane_base = calloc((size_t)capacity + 1, sizeof *s->lane_base);
    size_t n_arrays = (size_t)n_pinned + (size_t)p->n_scratch + 1;
    size_t bytes = (n_arrays * (size_t)capacity * sizeof(double) + 63) / 64 * 64;
    s->mem = aligned_alloc(64, bytes);
    if (!s->reg || !s->lane_base || !s->mem) {
        native_block_free(s);
        return NULL;
    }
    memset(s->mem, 0, bytes);
    int k = 0;
    for (int r = 0; r < p->n_regs; r++)
        if (p->pinned[r])
            s->reg[r] = s->mem + (size_t)(k++) * (size_t)capacity;
    s->tmp = s->mem + (size_t)k * (size_t)capacity;
    return s;
}

static mf_kernel_args args_of(const native_block *s, const mf_block *b, long k)
{
    mf_kernel_args a = {
        .n = b->n,
        .k = k,
        .t = (double)k * b->dt, /* as the interpreter: t = k*dt */
        .reg = s->reg,
        .series = b->series,
        .n_steps = b->n_steps,
        .lane_base = s->lane_base,
        .scalars = b->scalars,
        .tmp = s->tmp,
        .capacity = s->capacity,
    };
    return a;
}

static mf_status native_begin(void *prog, void *scratch, const mf_block *b, mf_error *err)
{
    native_prog *p = prog;
    native_block *s = scratch;
    if (!p->native)
        return p->in->begin(p->iprog, s->iblock, b, err);
    for (int v = 0; v < p->n_fixed; v++)
        s->reg[v] = b->var[v];
    for (int l = 0; l < b->n; l++)
        s->lane_base[l] = (long)b->trace[l] * b->n_steps;
    mf_kernel_args a = args_of(s, b, 0);
    p->pre(&a);
    return MF_OK;
}

static mf_status native_step(void *prog, void *scratch, const mf_block *b, long k,
                             mf_error *err)
{
    native_prog *p = prog;
    native_block *s = scratch;
    if (!p->native)
        return p->in->step(p->iprog, s->iblock, b, k, err);
    mf_kernel_args a = args_of(s, b, k);
    p->step(&a);
    return MF_OK;
}

static mf_status native_reset(void *prog, void *scratch, const mf_block *b, long k,
                              mf_error *err)
{
    native_prog *p = prog;
    native_block *s = scratch;
    if (!p->native)
        return p->in->reset(p->iprog, s->iblock, b, k, err);
    mf_kernel_args a = args_of(s, b, k);
    p->reset(&a);
    return MF_OK;
}

static const mf_backend native_backend = {
    .name = "native",
    .prepare = native_prepare,
    .release = native_release,
    .block_new = native_block_new,
    .block_free = native_block_free,
    .begin = native_begin,
    .step = native_step,
    .reset = native_reset,
};

const mf_backend *mf_backend_native(void)
{
    return &native_backend;
}
