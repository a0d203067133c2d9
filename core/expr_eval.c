/* Tree-walking evaluation over doubles, with Python/numpy semantics for the
 * few places where C differs (int() truncates, sign(0) = 0, clip). Slow but
 * exact; the engine compiles trees to bytecode or C for the hot loop. */
#include "expr.h"

#include <math.h>

static double eval_call(const mf_expr *e, mf_lookup_fn lookup, void *ctx)
{
    double x = mf_expr_eval(e->arg[0], lookup, ctx);
    switch (e->fn) {
    case MF_FN_EXP: return exp(x);
    case MF_FN_LOG: return log(x);
    case MF_FN_LOG10: return log10(x);
    case MF_FN_SQRT: return sqrt(x);
    case MF_FN_SIN: return sin(x);
    case MF_FN_COS: return cos(x);
    case MF_FN_TAN: return tan(x);
    case MF_FN_SINH: return sinh(x);
    case MF_FN_COSH: return cosh(x);
    case MF_FN_TANH: return tanh(x);
    case MF_FN_ARCSIN: return asin(x);
    case MF_FN_ARCCOS: return acos(x);
    case MF_FN_ARCTAN: return atan(x);
    case MF_FN_ABS: return fabs(x);
    case MF_FN_SIGN: return x > 0 ? 1.0 : x < 0 ? -1.0 : x; /* keeps 0 and NaN */
    case MF_FN_FLOOR: return floor(x);
    case MF_FN_CEIL: return ceil(x);
    case MF_FN_INT: return trunc(x);
    case MF_FN_CLIP: {
        /* numpy.clip: max(lo) first, then min(hi). */
        double lo = mf_expr_eval(e->arg[1], lookup, ctx);
        double hi = mf_expr_eval(e->arg[2], lookup, ctx);
        double r = x < lo ? lo : x;
        return r > hi ? hi : r;
    }
    case MF_FN_COUNT: break;
    }
    return NAN;
}

double mf_expr_eval(const mf_expr *e, mf_lookup_fn lookup, void *ctx)
{
    if (!e)
        return NAN;
    switch (e->kind) {
    case MF_EX_NUM: return e->num;
    case MF_EX_NAME:
        if (e->sym_kind == MF_SYM_CONST)
            return e->sym_value;
        return lookup ? lookup(ctx, e) : NAN;
    case MF_EX_NEG: return -mf_expr_eval(e->arg[0], lookup, ctx);
    case MF_EX_NOT: return mf_expr_eval(e->arg[0], lookup, ctx) == 0.0 ? 1.0 : 0.0;
    case MF_EX_CALL: return eval_call(e, lookup, ctx);
    case MF_EX_AND:
        return (mf_expr_eval(e->arg[0], lookup, ctx) != 0.0 &&
                mf_expr_eval(e->arg[1], lookup, ctx) != 0.0)
                   ? 1.0
                   : 0.0;
    case MF_EX_OR:
        return (mf_expr_eval(e->arg[0], lookup, ctx) != 0.0 ||
                mf_expr_eval(e->arg[1], lookup, ctx) != 0.0)
                   ? 1.0
                   : 0.0;
    default: break;
    }
    double a = mf_expr_eval(e->arg[0], lookup, ctx);
    double b = mf_expr_eval(e->arg[1], lookup, ctx);
    switch (e->kind) {
    case MF_EX_ADD: return a + b;
    case MF_EX_SUB: return a - b;
    case MF_EX_MUL: return a * b;
    case MF_EX_DIV: return a / b;
    case MF_EX_POW: return pow(a, b);
    case MF_EX_LT: return a < b ? 1.0 : 0.0;
    case MF_EX_LE: return a <= b ? 1.0 : 0.0;
    case MF_EX_GT: return a > b ? 1.0 : 0.0;
    case MF_EX_GE: return a >= b ? 1.0 : 0.0;
    case MF_EX_EQ: return a == b ? 1.0 : 0.0;
    case MF_EX_NE: return a != b ? 1.0 : 0.0;
    default: return NAN;
    }
}
