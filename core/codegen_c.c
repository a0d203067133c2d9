/* Bytecode -> C source for the native backend (see codegen_c.h).
 *
 * The register-allocated programs of one kernel function are first turned
 * back into values (SSA: one value per instruction; a register read gives
 * the value last written to it, or the register's content on entry).
 *
 * exp is mf_exp (mf_exp.h, whose text the prologue prints): branch-free
 * inline code, the interpreter's exp, which vectorises with the arithmetic
 * around it, so a model using only exp (HH) is one `omp simd` loop a step.
 *
 * Staging. A loop that calls another libm function without a vector variant
 * (log, sin, pow...) does not vectorise at all, so every division and
 * multiplication around the calls would run one lane at a time. The values
 * are therefore cut into stages at those calls: stage(value) = the number of
 * calls on its longest chain of operands. Stage s is one `omp simd` loop over
 * the lanes (vectorised arithmetic), and the calls of stage s run in a plain
 * loop of their own before it, reading their arguments from and writing
 * their results to per-block arrays. Each value is still computed by the
 * same expression from the same operands, so staging changes no result.
 *
 * Names in the generated code:
 *   X<r>[i]  model variable r (read on entry, written back at the end)
 *   P<r>[i]  pinned register r, filled by the preamble (a constant is printed
 *            as its literal instead)
 *   v<id>    a value of the current stage loop (a local)
 *   T<id>[i] a value kept for a later stage, or a call's result: a slice of
 *            the block's scratch (mf_kernel_args.tmp)
 * Literals are printed with %a, so they are the bytecode's exact doubles. */
#include "codegen_c.h"
#include "mf_exp_text.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- a growing string ------------------------------------------------------ */

typedef struct sbuf {
    char *s;
    size_t len, cap;
    bool oom;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(sbuf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int w = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (w < 0) {
            b->oom = true;
            return;
        }
        if (b->s && (size_t)w < b->cap - b->len) {
            b->len += (size_t)w;
            return;
        }
        size_t nc = b->cap ? b->cap : 4096;
        while (nc < b->len + (size_t)w + 1)
            nc *= 2;
        char *n = realloc(b->s, nc);
        if (!n) {
            b->oom = true;
            return;
        }
        b->s = n;
        b->cap = nc;
    }
}

/* --- values ------------------------------------------------------------------ */

typedef enum vkind {
    /* leaves: printed where they are used, in any stage */
    VK_LOAD,   /* X<reg>[i] */
    VK_PINNED, /* P<reg>[i] */
    VK_CONST,
    VK_TIME,
    VK_SCALAR, /* aux */
    VK_INPUT,  /* aux = series, k = step offset */
    /* computed */
    VK_OP,  /* vector arithmetic */
    VK_CALL /* a scalar libm call: its own loop */
} vkind;

typedef struct val {
    vkind kind;
    mf_op op;
    int a, b, c; /* operand value ids, -1 when unused */
    int reg;
    int aux;
    double k;
    int stage;
    bool needed;
    int slot; /* >= 0: kept in T<id> */
} val;

typedef struct store {
    int reg, value;
} store;

typedef struct fn_ir {
    val *v;
    int n, cap;
    store *out; /* written back at the end */
    int n_out;
    int n_stages;
    int (*inputs)[2]; /* distinct (series, offset) of the input leaves */
    int n_inputs;
    int n_slots;
    int max_scalar;
} fn_ir;

typedef enum reg_kind { REG_FIXED, REG_PINNED, REG_CONST, REG_TEMP } reg_kind;

typedef struct gen {
    const mf_codegen_in *in;
    sbuf b;
    int n_regs;
    reg_kind *kind;
    double *konst; /* the value of a REG_CONST */
    int *cur;      /* register -> value id while reading a function's programs */
    int max_slots; /* over all functions: the scratch arrays a block needs */
    bool oom;
} gen;

static bool is_leaf(vkind k)
{
    return k < VK_OP;
}

static int arity_of(mf_op op)
{
    switch (op) {
    case MF_OP_SEL:
    case MF_OP_CLIP: return 3;
    case MF_OP_ADD:
    case MF_OP_SUB:
    case MF_OP_MUL:
    case MF_OP_DIV:
    case MF_OP_POW:
    case MF_OP_LT:
    case MF_OP_LE:
    case MF_OP_GT:
    case MF_OP_GE:
    case MF_OP_EQ:
    case MF_OP_NE:
    case MF_OP_AND:
    case MF_OP_OR: return 2;
    case MF_OP_NOP:
    case MF_OP_CONST:
    case MF_OP_TIME:
    case MF_OP_INPUT:
    case MF_OP_SCALAR: return 0;
    default: return 1;
    }
}

/* Functions that compile to a call into libm (no inline or vector form
 * under our flags): they end a vector stage. exp is not one (mf_exp). */
static bool is_call(mf_op op)
{
    switch (op) {
    case MF_OP_POW:
    case MF_OP_POWK:
    case MF_OP_LOG:
    case MF_OP_LOG10:
    case MF_OP_SIN:
    case MF_OP_COS:
    case MF_OP_TAN:
    case MF_OP_SINH:
    case MF_OP_COSH:
    case MF_OP_TANH:
    case MF_OP_ASIN:
    case MF_OP_ACOS:
    case MF_OP_ATAN: return true;
    default: return false;
    }
}

static int add_val(gen *g, fn_ir *f, val v)
{
    if (f->n == f->cap) {
        int nc = f->cap ? 2 * f->cap : 64;
        val *n = realloc(f->v, (size_t)nc * sizeof *n);
        if (!n) {
            g->oom = true;
            return 0;
        }
        f->v = n;
        f->cap = nc;
    }
    v.slot = -1;
    v.needed = false;
    v.stage = 0;
    f->v[f->n] = v;
    return f->n++;
}

static val leaf(vkind kind, int reg, int aux, double k)
{
    val v;
    memset(&v, 0, sizeof v);
    v.kind = kind;
    v.reg = reg;
    v.aux = aux;
    v.k = k;
    v.a = v.b = v.c = -1;
    return v;
}

/* The value a register holds at this point of the function. */
static int read_reg(gen *g, fn_ir *f, int r)
{
    if (g->cur[r] >= 0)
        return g->cur[r];
    int id;
    switch (g->kind[r]) {
    case REG_FIXED: id = add_val(g, f, leaf(VK_LOAD, r, 0, 0)); break;
    case REG_CONST: id = add_val(g, f, leaf(VK_CONST, r, 0, g->konst[r])); break;
    case REG_PINNED: id = add_val(g, f, leaf(VK_PINNED, r, 0, 0)); break;
    default: id = add_val(g, f, leaf(VK_CONST, r, 0, NAN)); break; /* never happens */
    }
    g->cur[r] = id;
    return id;
}

static void read_program(gen *g, fn_ir *f, const mf_bc_program *p)
{
    for (int j = 0; j < p->n && !g->oom; j++) {
        const mf_instr *in = &p->code[j];
        mf_op op = (mf_op)in->op;
        int id;
        switch (op) {
        case MF_OP_NOP: continue;
        case MF_OP_MOV: id = read_reg(g, f, in->a); break;
        case MF_OP_CONST: id = add_val(g, f, leaf(VK_CONST, in->d, 0, in->k)); break;
        case MF_OP_TIME: id = add_val(g, f, leaf(VK_TIME, 0, 0, 0)); break;
        case MF_OP_SCALAR:
            id = add_val(g, f, leaf(VK_SCALAR, 0, in->aux, 0));
            if (in->aux > f->max_scalar)
                f->max_scalar = in->aux;
            break;
        case MF_OP_INPUT: id = add_val(g, f, leaf(VK_INPUT, 0, in->aux, in->k)); break;
        default: {
            val v = leaf(is_call(op) ? VK_CALL : VK_OP, 0, 0, in->k);
            v.op = op;
            int na = arity_of(op);
            int ops[3] = {in->a, in->b, in->c};
            int ids[3] = {-1, -1, -1};
            for (int o = 0; o < na; o++)
                ids[o] = read_reg(g, f, ops[o]);
            v.a = ids[0];
            v.b = ids[1];
            v.c = ids[2];
            id = add_val(g, f, v);
            break;
        }
        }
        g->cur[in->d] = id;
    }
}

/* Where a value is written and read, in the order the loops run: the call
 * loop of stage s is at 2s - 1, the vector loop of stage s at 2s. */
static int def_pos(const val *v)
{
    return v->kind == VK_CALL ? 2 * v->stage - 1 : 2 * v->stage;
}

/* Gives the values that need memory a slot, sharing slots between values
 * whose lives do not overlap (a block's scratch stays small, in L1). A slot
 * is reused only by a value written in a later loop than the previous
 * owner's last read. Slots, not values, name the pointers (T<slot>), so no
 * memory is reached through two restrict pointers. */
static void assign_slots(fn_ir *f, int last)
{
    int *last_use = calloc((size_t)f->n + 1, sizeof *last_use);
    int *order = calloc((size_t)f->n + 1, sizeof *order);
    int *free_after = calloc((size_t)f->n + 1, sizeof *free_after);
    f->n_slots = 0;
    if (!last_use || !order || !free_after) {
        /* Out of memory: one slot per value, no sharing. */
        for (int i = 0; i < f->n; i++)
            if (f->v[i].slot >= 0)
                f->v[i].slot = f->n_slots++;
        free(last_use);
        free(order);
        free(free_after);
        return;
    }
    for (int i = 0; i < f->n; i++) {
        const val *v = &f->v[i];
        last_use[i] = -1;
        if (!v->needed || is_leaf(v->kind))
            continue;
        int ops[3] = {v->a, v->b, v->c};
        for (int o = 0; o < 3; o++)
            if (ops[o] >= 0 && def_pos(v) > last_use[ops[o]])
                last_use[ops[o]] = def_pos(v);
    }
    for (int i = 0; i < f->n_out; i++)
        last_use[f->out[i].value] = 2 * last;
    int n = 0;
    for (int i = 0; i < f->n; i++)
        if (f->v[i].slot >= 0)
            order[n++] = i;
    /* Insertion sort by write position (stable; n is small). */
    for (int a = 1; a < n; a++) {
        int x = order[a], b = a - 1;
        while (b >= 0 && def_pos(&f->v[order[b]]) > def_pos(&f->v[x])) {
            order[b + 1] = order[b];
            b--;
        }
        order[b + 1] = x;
    }
    for (int a = 0; a < n; a++) {
        val *v = &f->v[order[a]];
        int s = 0;
        while (s < f->n_slots && free_after[s] >= def_pos(v))
            s++;
        if (s == f->n_slots)
            f->n_slots++;
        v->slot = s;
        free_after[s] = last_use[order[a]];
    }
    free(last_use);
    free(order);
    free(free_after);
}

/* Stages, liveness, and which values need a slot. */
static void schedule(fn_ir *f)
{
    int last = 0;
    for (int i = 0; i < f->n; i++) {
        val *v = &f->v[i];
        if (is_leaf(v->kind))
            continue;
        int s = 0;
        int ops[3] = {v->a, v->b, v->c};
        for (int o = 0; o < 3; o++)
            if (ops[o] >= 0 && f->v[ops[o]].stage > s)
                s = f->v[ops[o]].stage;
        v->stage = v->kind == VK_CALL ? s + 1 : s;
        if (v->stage > last)
            last = v->stage;
    }
    f->n_stages = last + 1;
    for (int i = 0; i < f->n_out; i++)
        f->v[f->out[i].value].needed = true;
    for (int i = f->n - 1; i >= 0; i--) {
        val *v = &f->v[i];
        if (!v->needed)
            continue;
        int ops[3] = {v->a, v->b, v->c};
        for (int o = 0; o < 3; o++) {
            if (ops[o] < 0)
                continue;
            val *u = &f->v[ops[o]];
            u->needed = true;
            /* Kept in memory: call results, call arguments, and values used
             * by a later stage. */
            if (!is_leaf(u->kind) &&
                (u->kind == VK_CALL || v->kind == VK_CALL || u->stage < v->stage))
                u->slot = 0;
        }
    }
    for (int i = 0; i < f->n_out; i++) {
        val *u = &f->v[f->out[i].value];
        if (!is_leaf(u->kind) && (u->kind == VK_CALL || u->stage < last))
            u->slot = 0;
    }
    assign_slots(f, last);
}

static int input_slot(fn_ir *f, int series, int offset, bool add)
{
    for (int i = 0; i < f->n_inputs; i++)
        if (f->inputs[i][0] == series && f->inputs[i][1] == offset)
            return i;
    if (!add)
        return -1;
    int(*n)[2] = realloc(f->inputs, ((size_t)f->n_inputs + 1) * sizeof *n);
    if (!n)
        return -1;
    f->inputs = n;
    f->inputs[f->n_inputs][0] = series;
    f->inputs[f->n_inputs][1] = offset;
    return f->n_inputs++;
}

/* Reads the programs of one function into values. preamble: the pinned
 * registers are its outputs; else the stored model variables are. */
static bool build_fn(gen *g, fn_ir *f, const mf_bc_program *const *ps, int np, bool preamble)
{
    memset(f, 0, sizeof *f);
    f->max_scalar = -1;
    for (int r = 0; r < g->n_regs; r++)
        g->cur[r] = -1;
    bool *written = calloc((size_t)g->n_regs + 1, sizeof *written);
    if (!written)
        return false;
    for (int q = 0; q < np; q++) {
        read_program(g, f, ps[q]);
        for (int j = 0; j < ps[q]->n; j++)
            written[ps[q]->code[j].d] = true;
    }
    f->out = calloc((size_t)g->n_regs + 1, sizeof *f->out);
    if (!f->out) {
        free(written);
        return false;
    }
    for (int r = 0; r < g->n_regs; r++) {
        bool out = preamble ? written[r] && g->kind[r] != REG_FIXED
                            : written[r] && g->kind[r] == REG_FIXED;
        if (!out || g->cur[r] < 0)
            continue;
        const val *v = &f->v[g->cur[r]];
        if (v->kind == VK_LOAD && v->reg == r)
            continue; /* unchanged */
        f->out[f->n_out++] = (store){r, g->cur[r]};
    }
    free(written);
    schedule(f);
    for (int i = 0; i < f->n; i++)
        if (f->v[i].needed && f->v[i].kind == VK_INPUT &&
            input_slot(f, f->v[i].aux, (int)f->v[i].k, true) < 0)
            return false;
    if (f->n_slots > g->max_slots)
        g->max_slots = f->n_slots;
    return !g->oom;
}

static void fn_free(fn_ir *f)
{
    free(f->v);
    free(f->out);
    free(f->inputs);
}

/* --- printing ------------------------------------------------------------------ */

/* A double literal that reads back as exactly k, parenthesised so that a
 * minus sign never meets another operator. */
static void put_literal(sbuf *b, double k)
{
    if (isnan(k))
        sb_printf(b, "(%s__builtin_nan(\"\"))", signbit(k) ? "-" : "");
    else if (isinf(k))
        sb_printf(b, "(%s__builtin_inf())", k < 0 ? "-" : "");
    else
        sb_printf(b, "(%a)", k);
}

/* Operand `id` as read inside stage `stage` (-1: inside a call loop). */
static void put_operand(gen *g, fn_ir *f, int id, int stage)
{
    sbuf *b = &g->b;
    const val *v = &f->v[id];
    switch (v->kind) {
    case VK_LOAD: sb_printf(b, "X%d[i]", v->reg); break;
    case VK_PINNED: sb_printf(b, "P%d[i]", v->reg); break;
    case VK_CONST: put_literal(b, v->k); break;
    case VK_TIME: sb_printf(b, "t"); break;
    case VK_SCALAR: sb_printf(b, "sc%d", v->aux); break;
    case VK_INPUT: {
        int s = input_slot(f, v->aux, (int)v->k, false);
        sb_printf(b, "S%d[LB[i] + K%d]", s, s);
        break;
    }
    default:
        if (v->kind == VK_OP && v->stage == stage)
            sb_printf(b, "v%d", id);
        else
            sb_printf(b, "T%d[i]", v->slot);
        break;
    }
}

static const char *call_name(mf_op op)
{
    switch (op) {
    case MF_OP_EXP: return "mf_exp";
    case MF_OP_LOG: return "log";
    case MF_OP_LOG10: return "log10";
    case MF_OP_SQRT: return "sqrt";
    case MF_OP_SIN: return "sin";
    case MF_OP_COS: return "cos";
    case MF_OP_TAN: return "tan";
    case MF_OP_SINH: return "sinh";
    case MF_OP_COSH: return "cosh";
    case MF_OP_TANH: return "tanh";
    case MF_OP_ASIN: return "asin";
    case MF_OP_ACOS: return "acos";
    case MF_OP_ATAN: return "atan";
    case MF_OP_ABS: return "fabs";
    case MF_OP_SIGN: return "mfk_sign";
    case MF_OP_FLOOR: return "floor";
    case MF_OP_CEIL: return "ceil";
    case MF_OP_TRUNC: return "trunc";
    default: return NULL;
    }
}

static const char *infix(mf_op op)
{
    switch (op) {
    case MF_OP_ADD: return "+";
    case MF_OP_SUB: return "-";
    case MF_OP_MUL: return "*";
    case MF_OP_DIV: return "/";
    case MF_OP_LT: return "<";
    case MF_OP_LE: return "<=";
    case MF_OP_GT: return ">";
    case MF_OP_GE: return ">=";
    case MF_OP_EQ: return "==";
    case MF_OP_NE: return "!=";
    default: return NULL;
    }
}

/* The expression of a computed value: interp.c's expression for its op. */
static void put_expr(gen *g, fn_ir *f, const val *v, int stage)
{
    sbuf *b = &g->b;
    mf_op op = v->op;
    const char *fn = call_name(op);
    const char *inf = infix(op);
    bool cmp = op >= MF_OP_LT && op <= MF_OP_NE;
    if (fn) {
        sb_printf(b, "%s(", fn);
        put_operand(g, f, v->a, stage);
        sb_printf(b, ")");
        return;
    }
    if (inf) {
        sb_printf(b, cmp ? "(double)(" : "");
        put_operand(g, f, v->a, stage);
        sb_printf(b, " %s ", inf);
        put_operand(g, f, v->b, stage);
        sb_printf(b, cmp ? ")" : "");
        return;
    }
    switch (op) {
    case MF_OP_POW:
    case MF_OP_POWK:
        sb_printf(b, "pow(");
        put_operand(g, f, v->a, stage);
        sb_printf(b, ", ");
        if (op == MF_OP_POW)
            put_operand(g, f, v->b, stage);
        else
            put_literal(b, v->k);
        sb_printf(b, ")");
        break;
    case MF_OP_ADDK:
    case MF_OP_MULK:
    case MF_OP_DIVK:
        put_operand(g, f, v->a, stage);
        sb_printf(b, " %s ", op == MF_OP_ADDK ? "+" : op == MF_OP_MULK ? "*" : "/");
        put_literal(b, v->k);
        break;
    case MF_OP_KSUB:
    case MF_OP_KDIV:
        put_literal(b, v->k);
        sb_printf(b, " %s ", op == MF_OP_KSUB ? "-" : "/");
        put_operand(g, f, v->a, stage);
        break;
    case MF_OP_NEG:
        sb_printf(b, "-");
        put_operand(g, f, v->a, stage);
        break;
    case MF_OP_AND:
    case MF_OP_OR:
        /* (a != 0 && b != 0) without a branch: same value, no side effects. */
        sb_printf(b, "(double)((");
        put_operand(g, f, v->a, stage);
        sb_printf(b, " != 0) %s (", op == MF_OP_AND ? "&" : "|");
        put_operand(g, f, v->b, stage);
        sb_printf(b, " != 0))");
        break;
    case MF_OP_NOT:
        sb_printf(b, "(double)(");
        put_operand(g, f, v->a, stage);
        sb_printf(b, " == 0)");
        break;
    case MF_OP_SEL:
        put_operand(g, f, v->a, stage);
        sb_printf(b, " != 0 ? ");
        put_operand(g, f, v->b, stage);
        sb_printf(b, " : ");
        put_operand(g, f, v->c, stage);
        break;
    case MF_OP_CLIP:
        sb_printf(b, "mfk_clip(");
        put_operand(g, f, v->a, stage);
        sb_printf(b, ", ");
        put_operand(g, f, v->b, stage);
        sb_printf(b, ", ");
        put_operand(g, f, v->c, stage);
        sb_printf(b, ")");
        break;
    default: sb_printf(b, "(__builtin_nan(\"\"))"); break;
    }
}

static void put_header(gen *g, fn_ir *f, const char *name)
{
    sbuf *b = &g->b;
    sb_printf(b, "\nMFK_EXPORT void %s(const mf_kernel_args *restrict A)\n{\n", name);
    sb_printf(b, "    const int n = A->n;\n    const double t = A->t;\n");
    sb_printf(b, "    const long *restrict LB = A->lane_base;\n    (void)t;\n    (void)LB;\n");
    for (int s = 0; s <= f->max_scalar; s++)
        sb_printf(b, "    const double sc%d = A->scalars[%d];\n", s, s);
    for (int i = 0; i < f->n_inputs; i++) {
        /* interp.c's run_input: sample k + offset, clamped to the series. */
        sb_printf(b, "    const double *restrict S%d = A->series[%d];\n", i, f->inputs[i][0]);
        sb_printf(b,
                  "    long K%d = A->k + %d;\n    if (K%d > A->n_steps - 1)\n        K%d = "
                  "A->n_steps - 1;\n    if (K%d < 0)\n        K%d = 0;\n",
                  i, f->inputs[i][1], i, i, i, i);
    }
    bool *x = calloc((size_t)g->n_regs + 1, sizeof *x);
    bool *p = calloc((size_t)g->n_regs + 1, sizeof *p);
    if (!x || !p) {
        g->oom = true;
    } else {
        for (int i = 0; i < f->n; i++) {
            const val *v = &f->v[i];
            if (v->needed && v->kind == VK_LOAD)
                x[v->reg] = true;
            if (v->needed && v->kind == VK_PINNED)
                p[v->reg] = true;
        }
        for (int i = 0; i < f->n_out; i++) {
            if (g->kind[f->out[i].reg] == REG_FIXED)
                x[f->out[i].reg] = true;
            else
                p[f->out[i].reg] = true;
        }
        for (int r = 0; r < g->n_regs; r++) {
            if (x[r])
                sb_printf(b, "    double *restrict X%d = A->reg[%d];\n", r, r);
            if (p[r])
                sb_printf(b, "    double *restrict P%d = A->reg[%d];\n", r, r);
        }
    }
    free(x);
    free(p);
    for (int s = 0; s < f->n_slots; s++)
        sb_printf(b, "    double *restrict T%d = A->tmp + (long)%d * A->capacity;\n", s, s);
}

static void put_calls(gen *g, fn_ir *f, int stage)
{
    bool any = false;
    for (int i = 0; i < f->n; i++) {
        const val *v = &f->v[i];
        if (!v->needed || v->kind != VK_CALL || v->stage != stage)
            continue;
        if (!any)
            sb_printf(&g->b, "    for (int i = 0; i < n; i++) {\n");
        any = true;
        sb_printf(&g->b, "        T%d[i] = ", v->slot);
        put_expr(g, f, v, -1);
        sb_printf(&g->b, ";\n");
    }
    if (any)
        sb_printf(&g->b, "    }\n");
}

static void put_stage(gen *g, fn_ir *f, int stage)
{
    sbuf *b = &g->b;
    bool last = stage == f->n_stages - 1;
    bool any = last && f->n_out > 0;
    for (int i = 0; i < f->n && !any; i++)
        any = f->v[i].needed && f->v[i].kind == VK_OP && f->v[i].stage == stage;
    if (!any)
        return;
    sb_printf(b, "#pragma omp simd\n    for (int i = 0; i < n; i++) {\n");
    for (int i = 0; i < f->n; i++) {
        const val *v = &f->v[i];
        if (!v->needed || v->kind != VK_OP || v->stage != stage)
            continue;
        sb_printf(b, "        const double v%d = ", i);
        put_expr(g, f, v, stage);
        sb_printf(b, ";\n");
        if (v->slot >= 0)
            sb_printf(b, "        T%d[i] = v%d;\n", v->slot, i);
    }
    /* All outputs are read before any is written: `x = y; y = x` swaps. */
    for (int i = 0; last && i < f->n_out; i++) {
        sb_printf(b, "        const double o%d = ", i);
        put_operand(g, f, f->out[i].value, stage);
        sb_printf(b, ";\n");
    }
    for (int i = 0; last && i < f->n_out; i++)
        sb_printf(b, "        %c%d[i] = o%d;\n",
                  g->kind[f->out[i].reg] == REG_FIXED ? 'X' : 'P', f->out[i].reg, i);
    sb_printf(b, "    }\n");
}

/* One exported function: the programs ps[0..np) over the block's lanes. */
static bool put_function(gen *g, const char *name, const mf_bc_program *const *ps, int np,
                         bool preamble)
{
    fn_ir f;
    bool ok = build_fn(g, &f, ps, np, preamble);
    if (ok) {
        put_header(g, &f, name);
        for (int s = 0; s < f.n_stages; s++) {
            if (s > 0)
                put_calls(g, &f, s);
            put_stage(g, &f, s);
        }
        sb_printf(&g->b, "}\n");
    }
    fn_free(&f);
    return ok && !g->oom && !g->b.oom;
}

#define MFK_STR2(x) #x
#define MFK_STR(x)  MFK_STR2(x)

static void put_prologue(gen *g)
{
    sbuf *b = &g->b;
    sb_printf(b, "/* Generated by modelfit (codegen_c.c): one model's kernels. */\n");
    sb_printf(b, "#include <math.h>\n\n");
    /* The interpreter's exp, as source (embedded by core/CMakeLists.txt). */
    sb_printf(b, "%s\n", MF_EXP_TEXT);
    sb_printf(b, "#define MFK_EXPORT __attribute__((visibility(\"default\")))\n");
    sb_printf(b, "typedef struct mf_kernel_args {\n    %s\n} mf_kernel_args;\n\n",
              MFK_STR(MF_KERNEL_ARGS_FIELDS));
    /* The same expressions as interp.c's op_sign and op_clip. */
    sb_printf(b, "static inline double mfk_sign(double a)\n{\n"
                 "    return (double)((a > 0) - (a < 0));\n}\n\n");
    sb_printf(b, "static inline double mfk_clip(double a, double lo, double hi)\n{\n"
                 "    double x = a < lo ? lo : a;\n    return x > hi ? hi : x;\n}\n\n");
    sb_printf(b, "MFK_EXPORT int mf_kernel_abi(void)\n{\n    return %d;\n}\n", MF_KERNEL_ABI);
}

static bool classify(gen *g)
{
    const mf_bc_module *mod = g->in->mod;
    g->n_regs = mod->n_regs > mod->n_fixed ? mod->n_regs : mod->n_fixed;
    size_t nr = (size_t)g->n_regs + 1;
    g->kind = calloc(nr, sizeof *g->kind);
    g->konst = calloc(nr, sizeof *g->konst);
    g->cur = calloc(nr, sizeof *g->cur);
    if (!g->kind || !g->konst || !g->cur)
        return false;
    for (int r = 0; r < g->n_regs; r++)
        g->kind[r] = r < mod->n_fixed ? REG_FIXED : REG_TEMP;
    const mf_bc_program *pre = &mod->prog[0];
    for (int j = 0; j < pre->n; j++) {
        const mf_instr *in = &pre->code[j];
        g->kind[in->d] = in->op == MF_OP_CONST ? REG_CONST : REG_PINNED;
        g->konst[in->d] = in->k;
    }
    return true;
}

char *mf_codegen_c(const mf_codegen_in *in)
{
    gen g;
    memset(&g, 0, sizeof g);
    g.in = in;
    const mf_bc_module *mod = in->mod;
    bool ok = classify(&g);
    if (ok) {
        put_prologue(&g);
        const mf_bc_program *pre = &mod->prog[0];
        ok = put_function(&g, "mf_kernel_preamble", &pre, 1, true);
    }
    const mf_bc_program **steps = calloc((size_t)in->n_step_progs + 1, sizeof *steps);
    ok = ok && steps;
    for (int q = 0; ok && q < in->n_step_progs; q++)
        steps[q] = &mod->prog[in->step_progs[q]];
    ok = ok && put_function(&g, "mf_kernel_step", steps, in->n_step_progs, false);
    free(steps);
    if (ok) {
        const mf_bc_program *rp = in->reset_prog > 0 ? &mod->prog[in->reset_prog] : NULL;
        ok = put_function(&g, "mf_kernel_reset", &rp, rp ? 1 : 0, false);
    }
    /* How many scratch arrays of `capacity` doubles a block must provide. */
    if (ok)
        sb_printf(&g.b, "\nMFK_EXPORT int mf_kernel_scratch(void)\n{\n    return %d;\n}\n",
                  g.max_slots);
    free(g.kind);
    free(g.konst);
    free(g.cur);
    if (!ok || g.b.oom) {
        free(g.b.s);
        return NULL;
    }
    return g.b.s;
}
