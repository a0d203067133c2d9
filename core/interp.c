/* The bytecode interpreter: one switch dispatch per instruction and block,
 * then a tight loop over the block's lanes (`omp simd`: the loops have no
 * cross-lane dependences even when the destination is an operand).
 *
 * The scalar semantics in mf_op_eval1 and the loops below use the same C
 * expression for every operation, so constant folding and run time agree
 * bit for bit. exp is mf_exp (mf_exp.h), not libm's: the native kernels
 * print the same function, so both backends compute the same bits, and its
 * loop vectorises here too (run_exp). */
#include "bytecode.h"
#include "mf_exp.h"

#include <math.h>

static inline double op_sign(double a)
{
    return (double)((a > 0) - (a < 0));
}

static inline double op_clip(double a, double lo, double hi)
{
    /* numpy.clip: min(max(a, lo), hi) */
    double x = a < lo ? lo : a;
    return x > hi ? hi : x;
}

double mf_op_eval1(mf_op op, double a, double b, double c, double k)
{
    switch (op) {
    case MF_OP_MOV: return a;
    case MF_OP_CONST: return k;
    case MF_OP_ADD: return a + b;
    case MF_OP_SUB: return a - b;
    case MF_OP_MUL: return a * b;
    case MF_OP_DIV: return a / b;
    case MF_OP_POW: return pow(a, b);
    case MF_OP_ADDK: return a + k;
    case MF_OP_MULK: return a * k;
    case MF_OP_DIVK: return a / k;
    case MF_OP_KSUB: return k - a;
    case MF_OP_KDIV: return k / a;
    case MF_OP_POWK: return pow(a, k);
    case MF_OP_NEG: return -a;
    case MF_OP_LT: return (double)(a < b);
    case MF_OP_LE: return (double)(a <= b);
    case MF_OP_GT: return (double)(a > b);
    case MF_OP_GE: return (double)(a >= b);
    case MF_OP_EQ: return (double)(a == b);
    case MF_OP_NE: return (double)(a != b);
    case MF_OP_AND: return (double)(a != 0 && b != 0);
    case MF_OP_OR: return (double)(a != 0 || b != 0);
    case MF_OP_NOT: return (double)(a == 0);
    case MF_OP_SEL: return a != 0 ? b : c;
    case MF_OP_EXP: return mf_exp(a);
    case MF_OP_LOG: return log(a);
    case MF_OP_LOG10: return log10(a);
    case MF_OP_SQRT: return sqrt(a);
    case MF_OP_SIN: return sin(a);
    case MF_OP_COS: return cos(a);
    case MF_OP_TAN: return tan(a);
    case MF_OP_SINH: return sinh(a);
    case MF_OP_COSH: return cosh(a);
    case MF_OP_TANH: return tanh(a);
    case MF_OP_ASIN: return asin(a);
    case MF_OP_ACOS: return acos(a);
    case MF_OP_ATAN: return atan(a);
    case MF_OP_ABS: return fabs(a);
    case MF_OP_SIGN: return op_sign(a);
    case MF_OP_FLOOR: return floor(a);
    case MF_OP_CEIL: return ceil(a);
    case MF_OP_TRUNC: return trunc(a);
    case MF_OP_CLIP: return op_clip(a, b, c);
    default: return NAN;
    }
}

/* Loop bodies. `d` may alias an operand: each lane reads before it writes. */
#define LOOP(expr)                                                                             \
    do {                                                                                       \
        _Pragma("omp simd") for (int i = 0; i < n; i++) d[i] = (expr);                         \
    } while (0)

#define CALL1(fn) LOOP(fn(a[i]))

/* exp over a block. mf_exp is built on fma(): one instruction where the CPU
 * has FMA, else a call into libm's fma (correctly rounded in software: the
 * same bits, slowly, and the loop does not vectorise). The library is built
 * for the baseline x86-64, so on x86-64 the loop is compiled a second time
 * for AVX2+FMA and chosen at run time: vectorised, and the same bits. */
static void run_exp(double *d, const double *a, int n)
{
    LOOP(mf_exp(a[i]));
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2,fma"))) static void run_exp_fma(double *d, const double *a, int n)
{
    LOOP(mf_exp(a[i]));
}

static void run_exp_best(double *d, const double *a, int n)
{
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        run_exp_fma(d, a, n);
    else
        run_exp(d, a, n);
}
#else
#define run_exp_best run_exp
#endif

static void run_input(const mf_instr *in, const mf_bc_exec *x, double *d)
{
    const double *s = x->series[in->aux];
    long idx = x->step + (long)in->k;
    if (idx > x->n_steps - 1)
        idx = x->n_steps - 1;
    if (idx < 0)
        idx = 0;
    for (int i = 0; i < x->n; i++)
        d[i] = s[(long)x->trace[i] * x->n_steps + idx];
}

void mf_bc_run(const mf_bc_program *p, const mf_bc_exec *x)
{
    double *const *R = x->reg;
    const int n = x->n;
    for (int j = 0; j < p->n; j++) {
        const mf_instr *in = &p->code[j];
        double *d = R[in->d];
        const double *a = R[in->a];
        const double *b = R[in->b];
        const double *c = R[in->c];
        const double k = in->k;
        switch ((mf_op)in->op) {
        case MF_OP_NOP: break;
        case MF_OP_MOV: LOOP(a[i]); break;
        case MF_OP_CONST: LOOP(k); break;
        case MF_OP_ADD: LOOP(a[i] + b[i]); break;
        case MF_OP_SUB: LOOP(a[i] - b[i]); break;
        case MF_OP_MUL: LOOP(a[i] * b[i]); break;
        case MF_OP_DIV: LOOP(a[i] / b[i]); break;
        case MF_OP_POW: LOOP(pow(a[i], b[i])); break;
        case MF_OP_ADDK: LOOP(a[i] + k); break;
        case MF_OP_MULK: LOOP(a[i] * k); break;
        case MF_OP_DIVK: LOOP(a[i] / k); break;
        case MF_OP_KSUB: LOOP(k - a[i]); break;
        case MF_OP_KDIV: LOOP(k / a[i]); break;
        case MF_OP_POWK: LOOP(pow(a[i], k)); break;
        case MF_OP_NEG: LOOP(-a[i]); break;
        case MF_OP_LT: LOOP((double)(a[i] < b[i])); break;
        case MF_OP_LE: LOOP((double)(a[i] <= b[i])); break;
        case MF_OP_GT: LOOP((double)(a[i] > b[i])); break;
        case MF_OP_GE: LOOP((double)(a[i] >= b[i])); break;
        case MF_OP_EQ: LOOP((double)(a[i] == b[i])); break;
        case MF_OP_NE: LOOP((double)(a[i] != b[i])); break;
        case MF_OP_AND: LOOP((double)(a[i] != 0 && b[i] != 0)); break;
        case MF_OP_OR: LOOP((double)(a[i] != 0 || b[i] != 0)); break;
        case MF_OP_NOT: LOOP((double)(a[i] == 0)); break;
        case MF_OP_SEL: LOOP(a[i] != 0 ? b[i] : c[i]); break;
        case MF_OP_EXP: run_exp_best(d, a, n); break;
        case MF_OP_LOG: CALL1(log); break;
        case MF_OP_LOG10: CALL1(log10); break;
        case MF_OP_SQRT: CALL1(sqrt); break;
        case MF_OP_SIN: CALL1(sin); break;
        case MF_OP_COS: CALL1(cos); break;
        case MF_OP_TAN: CALL1(tan); break;
        case MF_OP_SINH: CALL1(sinh); break;
        case MF_OP_COSH: CALL1(cosh); break;
        case MF_OP_TANH: CALL1(tanh); break;
        case MF_OP_ASIN: CALL1(asin); break;
        case MF_OP_ACOS: CALL1(acos); break;
        case MF_OP_ATAN: CALL1(atan); break;
        case MF_OP_ABS: CALL1(fabs); break;
        case MF_OP_SIGN: CALL1(op_sign); break;
        case MF_OP_FLOOR: CALL1(floor); break;
        case MF_OP_CEIL: CALL1(ceil); break;
        case MF_OP_TRUNC: CALL1(trunc); break;
        case MF_OP_CLIP: LOOP(op_clip(a[i], b[i], c[i])); break;
        case MF_OP_TIME: LOOP(x->t); break;
        case MF_OP_INPUT: run_input(in, x, d); break;
        case MF_OP_SCALAR: LOOP(x->scalars[in->aux]); break;
        case MF_OP_COUNT: break;
        }
    }
}
