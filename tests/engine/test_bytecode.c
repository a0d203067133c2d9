/* core/bytecode.c and core/interp.c with hand-built programs: value
 * numbering, folding, immediates, loop-invariant hoisting, store semantics,
 * register reuse, and every instruction against the C library. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "bytecode.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { LANES = 5 };

/* A register file of n_regs x LANES and an exec for it. */
typedef struct regs {
    double *mem;
    double *reg[256];
    int trace[LANES];
} regs;

static void regs_init(regs *r, int n_regs)
{
    assert_true(n_regs <= 256);
    r->mem = calloc((size_t)(n_regs > 0 ? n_regs : 1) * LANES, sizeof(double));
    for (int i = 0; i < n_regs; i++)
        r->reg[i] = r->mem + i * LANES;
    for (int l = 0; l < LANES; l++)
        r->trace[l] = 0;
}

static mf_bc_exec exec_of(regs *r)
{
    mf_bc_exec x = {.reg = r->reg, .n = LANES, .trace = r->trace};
    return x;
}

static int count_op(const mf_bc_program *p, mf_op op)
{
    int n = 0;
    for (int i = 0; i < p->n; i++)
        n += p->code[i].op == op;
    return n;
}

static void test_value_numbering_and_folding(void **state)
{
    (void)state;
    mf_bc_builder *b = mf_bc_builder_new(2, NULL);
    mf_bc_begin(b);
    int x = mf_bc_fixed(b, 0), y = mf_bc_fixed(b, 1);
    int p1 = mf_bc_binop(b, MF_OP_MUL, x, y);
    int p2 = mf_bc_binop(b, MF_OP_MUL, y, x); /* commutative: the same value */
    assert_int_equal(p1, p2);
    int five = mf_bc_binop(b, MF_OP_ADD, mf_bc_const(b, 2), mf_bc_const(b, 3));
    double k;
    assert_true(mf_bc_is_const(b, five, &k) && k == 5.0);
    int e = mf_bc_unop(b, MF_OP_EXP, mf_bc_const(b, 0.3));
    assert_true(mf_bc_is_const(b, e, &k) && k == exp(0.3));
    mf_bc_store(b, 0, mf_bc_binop(b, MF_OP_ADD, p1, p2));
    mf_bc_store(b, 1, mf_bc_binop(b, MF_OP_ADD, y, five)); /* y + 5: an immediate */
    mf_bc_module mod;
    mf_error err;
    assert_int_equal(mf_bc_finish(b, &mod, &err), MF_OK);
    mf_bc_builder_free(b);
    const mf_bc_program *p = &mod.prog[1];
    assert_int_equal(count_op(p, MF_OP_MUL), 1);
    assert_int_equal(count_op(p, MF_OP_ADDK), 1);
    assert_int_equal(count_op(&mod.prog[0], MF_OP_CONST), 0); /* 5 is an immediate */
    regs r;
    regs_init(&r, mod.n_regs);
    for (int l = 0; l < LANES; l++) {
        r.reg[0][l] = l;
        r.reg[1][l] = 10 + l;
    }
    mf_bc_exec xe = exec_of(&r);
    mf_bc_run(&mod.prog[0], &xe);
    mf_bc_run(p, &xe);
    for (int l = 0; l < LANES; l++) {
        assert_true(r.reg[0][l] == 2.0 * l * (10 + l));
        assert_true(r.reg[1][l] == 15.0 + l); /* reads the old y */
    }
    free(r.mem);
    mf_bc_module_free(&mod);
}

/* exp(g*2) of an invariant register is computed once, in the preamble. */
static void test_invariants_hoisted(void **state)
{
    (void)state;
    bool inv[2] = {false, true};
    mf_bc_builder *b = mf_bc_builder_new(2, inv);
    mf_bc_begin(b);
    int g = mf_bc_fixed(b, 1);
    int eg = mf_bc_unop(b, MF_OP_EXP, mf_bc_binop(b, MF_OP_MUL, g, mf_bc_const(b, 2)));
    mf_bc_store(b, 0, mf_bc_binop(b, MF_OP_ADD, mf_bc_fixed(b, 0), eg));
    mf_bc_module mod;
    mf_error err;
    assert_int_equal(mf_bc_finish(b, &mod, &err), MF_OK);
    mf_bc_builder_free(b);
    assert_int_equal(count_op(&mod.prog[0], MF_OP_EXP), 1);
    assert_int_equal(count_op(&mod.prog[1], MF_OP_EXP), 0);
    assert_int_equal(mod.prog[1].n, 2); /* add into a temporary, store */
    regs r;
    regs_init(&r, mod.n_regs);
    for (int l = 0; l < LANES; l++)
        r.reg[1][l] = 0.1 * l;
    mf_bc_exec xe = exec_of(&r);
    mf_bc_run(&mod.prog[0], &xe);
    for (int step = 0; step < 3; step++)
        mf_bc_run(&mod.prog[1], &xe);
    for (int l = 0; l < LANES; l++)
        assert_true(r.reg[0][l] == ((0 + exp(0.2 * l)) + exp(0.2 * l)) + exp(0.2 * l));
    free(r.mem);
    mf_bc_module_free(&mod);
}

/* Stores of one group take effect together: x, y = y, x. A flush between
 * stores makes them sequential. */
static void test_store_groups(void **state)
{
    (void)state;
    mf_bc_builder *b = mf_bc_builder_new(3, NULL);
    mf_bc_begin(b);
    mf_bc_store(b, 0, mf_bc_fixed(b, 1));
    mf_bc_store(b, 1, mf_bc_fixed(b, 0));
    mf_bc_flush(b);
    /* z = x (new) + 1, after the flush */
    mf_bc_store(b, 2, mf_bc_binop(b, MF_OP_ADD, mf_bc_fixed(b, 0), mf_bc_const(b, 1)));
    mf_bc_module mod;
    mf_error err;
    assert_int_equal(mf_bc_finish(b, &mod, &err), MF_OK);
    mf_bc_builder_free(b);
    regs r;
    regs_init(&r, mod.n_regs);
    for (int l = 0; l < LANES; l++) {
        r.reg[0][l] = 1;
        r.reg[1][l] = 2;
    }
    mf_bc_exec xe = exec_of(&r);
    mf_bc_run(&mod.prog[1], &xe);
    for (int l = 0; l < LANES; l++) {
        assert_true(r.reg[0][l] == 2 && r.reg[1][l] == 1);
        assert_true(r.reg[2][l] == 3);
    }
    free(r.mem);
    mf_bc_module_free(&mod);
}

/* A chain of 200 operations needs a handful of registers, and values that
 * are never stored cost nothing. */
static void test_register_reuse_and_dead_code(void **state)
{
    (void)state;
    mf_bc_builder *b = mf_bc_builder_new(1, NULL);
    mf_bc_begin(b);
    int v = mf_bc_fixed(b, 0);
    for (int i = 0; i < 200; i++)
        v = mf_bc_unop(b, MF_OP_SIN, mf_bc_binop(b, MF_OP_ADD, v, mf_bc_fixed(b, 0)));
    (void)mf_bc_unop(b, MF_OP_LOG, mf_bc_fixed(b, 0)); /* dead */
    mf_bc_store(b, 0, v);
    mf_bc_module mod;
    mf_error err;
    assert_int_equal(mf_bc_finish(b, &mod, &err), MF_OK);
    mf_bc_builder_free(b);
    assert_true(mod.n_regs <= 4);
    assert_int_equal(count_op(&mod.prog[1], MF_OP_LOG), 0);
    assert_int_equal(mod.prog[1].n, 401);
    regs r;
    regs_init(&r, mod.n_regs);
    for (int l = 0; l < LANES; l++)
        r.reg[0][l] = 0.01 * l;
    mf_bc_exec xe = exec_of(&r);
    mf_bc_run(&mod.prog[1], &xe);
    for (int l = 0; l < LANES; l++) {
        double x0 = 0.01 * l, x = x0;
        for (int i = 0; i < 200; i++)
            x = sin(x + x0);
        assert_true(r.reg[0][l] == x);
    }
    free(r.mem);
    mf_bc_module_free(&mod);
}

/* Every one- and two-operand instruction on a few lanes against C. */
static double ref1(mf_op op, double a)
{
    switch (op) {
    case MF_OP_NEG: return -a;
    case MF_OP_NOT: return a == 0;
    case MF_OP_EXP: return exp(a);
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
    case MF_OP_SIGN: return a > 0 ? 1 : a < 0 ? -1 : 0;
    case MF_OP_FLOOR: return floor(a);
    case MF_OP_CEIL: return ceil(a);
    case MF_OP_TRUNC: return a < 0 ? ceil(a) : floor(a); /* Python's int() */
    default: return NAN;
    }
}

static void test_unary_ops(void **state)
{
    (void)state;
    static const double in[LANES] = {-0.7, -0.0, 0.25, 0.5, 0.9};
    for (int op = MF_OP_NEG; op <= MF_OP_TRUNC; op++) {
        if (op >= MF_OP_LT && op <= MF_OP_SEL && op != MF_OP_NOT)
            continue;
        mf_bc_builder *b = mf_bc_builder_new(2, NULL);
        mf_bc_begin(b);
        mf_bc_store(b, 1, mf_bc_unop(b, (mf_op)op, mf_bc_fixed(b, 0)));
        mf_bc_module mod;
        mf_error err;
        assert_int_equal(mf_bc_finish(b, &mod, &err), MF_OK);
        mf_bc_builder_free(b);
        regs r;
        regs_init(&r, mod.n_regs);
        memcpy(r.reg[0], in, sizeof in);
        mf_bc_exec xe = exec_of(&r);
        mf_bc_run(&mod.prog[1], &xe);
        for (int l = 0; l < LANES; l++) {
            double want = ref1((mf_op)op, in[l]);
            if (!(r.reg[1][l] == want || (isnan(want) && isnan(r.reg[1][l]))))
                fail_msg("%s(%g) = %g, want %g", mf_op_name((mf_op)op), in[l], r.reg[1][l],
                         want);
        }
        free(r.mem);
        mf_bc_module_free(&mod);
    }
}

static void test_binary_and_ternary_ops(void **state)
{
    (void)state;
    static const double A[LANES] = {-2, 0, 1.5, 3, 3};
    static const double B[LANES] = {0.5, 0, 1.5, -1, 4};
    mf_bc_builder *b = mf_bc_builder_new(12, NULL);
    mf_bc_begin(b);
    int a = mf_bc_fixed(b, 0), c = mf_bc_fixed(b, 1);
    static const mf_op ops[] = {MF_OP_SUB, MF_OP_DIV, MF_OP_POW, MF_OP_LT,  MF_OP_LE,
                                MF_OP_GE,  MF_OP_EQ,  MF_OP_NE,  MF_OP_AND, MF_OP_OR};
    for (int i = 0; i < 10; i++)
        mf_bc_store(b, 2 + i, mf_bc_binop(b, ops[i], a, c));
    mf_bc_module mod;
    mf_error err;
    assert_int_equal(mf_bc_finish(b, &mod, &err), MF_OK);
    mf_bc_builder_free(b);
    regs r;
    regs_init(&r, mod.n_regs);
    memcpy(r.reg[0], A, sizeof A);
    memcpy(r.reg[1], B, sizeof B);
    mf_bc_exec xe = exec_of(&r);
    mf_bc_run(&mod.prog[1], &xe);
    for (int l = 0; l < LANES; l++) {
        double x = A[l], y = B[l];
        double want[10] = {x - y,
                           x / y,
                           pow(x, y),
                           x < y,
                           x <= y,
                           x >= y,
                           x == y,
                           (double)(x != y),
                           x != 0 && y != 0,
                           x != 0 || y != 0};
        for (int i = 0; i < 10; i++)
            assert_true(r.reg[2 + i][l] == want[i] ||
                        (isnan(want[i]) && isnan(r.reg[2 + i][l])));
    }
    free(r.mem);
    mf_bc_module_free(&mod);

    /* clip(x, lo, hi) and sel(c, a, b) */
    b = mf_bc_builder_new(5, NULL);
    mf_bc_begin(b);
    mf_bc_store(b, 3, mf_bc_op(b, MF_OP_CLIP, 0, 1, 2));
    mf_bc_store(b, 4, mf_bc_op(b, MF_OP_SEL, 0, 1, 2));
    assert_int_equal(mf_bc_finish(b, &mod, &err), MF_OK);
    mf_bc_builder_free(b);
    regs_init(&r, mod.n_regs);
    static const double X[LANES] = {-5, 0, 0.5, 5, 1};
    for (int l = 0; l < LANES; l++) {
        r.reg[0][l] = X[l];
        r.reg[1][l] = 0;
        r.reg[2][l] = 1;
    }
    xe = exec_of(&r);
    mf_bc_run(&mod.prog[1], &xe);
    static const double clip[LANES] = {0, 0, 0.5, 1, 1}, sel[LANES] = {0, 1, 0, 0, 0};
    for (int l = 0; l < LANES; l++) {
        assert_true(r.reg[3][l] == clip[l]);
        assert_true(r.reg[4][l] == sel[l]);
    }
    free(r.mem);
    mf_bc_module_free(&mod);
}

/* Inputs: sample step + offset of each lane's trace, clipped to the last. */
static void test_input_and_time(void **state)
{
    (void)state;
    mf_bc_builder *b = mf_bc_builder_new(3, NULL);
    mf_bc_begin(b);
    mf_bc_store(b, 0, mf_bc_input(b, 0, 0));
    mf_bc_store(b, 1, mf_bc_input(b, 0, 1));
    mf_bc_store(b, 2, mf_bc_binop(b, MF_OP_ADD, mf_bc_time(b), mf_bc_scalar(b, 0)));
    mf_bc_module mod;
    mf_error err;
    assert_int_equal(mf_bc_finish(b, &mod, &err), MF_OK);
    mf_bc_builder_free(b);
    static const double series[2 * 3] = {10, 11, 12, 20, 21, 22};
    const double *sp[1] = {series};
    static const double scalars[1] = {100};
    regs r;
    regs_init(&r, mod.n_regs);
    int tr[LANES] = {0, 1, 0, 1, 1};
    mf_bc_exec x = {.reg = r.reg,
                    .n = LANES,
                    .step = 1,
                    .t = 0.5,
                    .series = sp,
                    .n_steps = 3,
                    .trace = tr,
                    .scalars = scalars};
    mf_bc_run(&mod.prog[0], &x);
    mf_bc_run(&mod.prog[1], &x);
    for (int l = 0; l < LANES; l++) {
        assert_true(r.reg[0][l] == series[tr[l] * 3 + 1]);
        assert_true(r.reg[1][l] == series[tr[l] * 3 + 2]);
        assert_true(r.reg[2][l] == 100.5);
    }
    x.step = 2; /* step 3 is past the end: the last sample is held */
    mf_bc_run(&mod.prog[1], &x);
    for (int l = 0; l < LANES; l++)
        assert_true(r.reg[1][l] == series[tr[l] * 3 + 2]);
    free(r.mem);
    mf_bc_module_free(&mod);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value_numbering_and_folding),
        cmocka_unit_test(test_invariants_hoisted),
        cmocka_unit_test(test_store_groups),
        cmocka_unit_test(test_register_reuse_and_dead_code),
        cmocka_unit_test(test_unary_ops),
        cmocka_unit_test(test_binary_and_ternary_ops),
        cmocka_unit_test(test_input_and_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
