/* The bytecode builder: SSA values with value numbering, loop-invariant
 * hoisting into a preamble, dead-code removal and linear-scan register
 * allocation (see bytecode.h for the layout and the reasons). */
#include "bytecode.h"

#include "error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct node {
    uint8_t op;
    int a, b, c; /* operand value ids, -1 when unused */
    int32_t aux;
    double k;
    int prog;      /* 0: preamble (invariant), else the program */
    int store_reg; /* >= 0: this node stores value a into fixed register store_reg */
    int epoch;     /* the flush epoch it was made in (for value numbering) */
    bool inv;
    bool is_const;
    bool need_reg; /* a constant used as a register operand */
    bool live;
    int reg;
} node;

typedef struct prog_list {
    int *ids; /* node indices in emission order */
    int n, cap;
} prog_list;

typedef struct pending_store {
    int reg, value;
} pending_store;

struct mf_bc_builder {
    int n_fixed;
    bool *fixed_inv;
    node *nodes;
    int n_nodes, cap_nodes;
    prog_list *progs; /* progs[0] = preamble */
    int n_progs, cap_progs;
    int cur; /* current program */
    int epoch;
    int *hash; /* open addressing: node index + 1, 0 = empty */
    int hash_cap;
    pending_store *pend;
    int n_pend, cap_pend;
    bool oom;
};

/* --- small helpers --------------------------------------------------------- */

static bool grow(void **p, int *cap, int need, size_t elem)
{
    if (need <= *cap)
        return true;
    int nc = *cap ? *cap : 16;
    while (nc < need)
        nc *= 2;
    void *q = realloc(*p, (size_t)nc * elem);
    if (!q)
        return false;
    *p = q;
    *cap = nc;
    return true;
}

static node *N(const mf_bc_builder *b, int v)
{
    return &b->nodes[v - b->n_fixed];
}

static bool is_node(const mf_bc_builder *b, int v)
{
    return v >= b->n_fixed;
}

static bool value_inv(const mf_bc_builder *b, int v)
{
    if (v < 0)
        return true;
    if (!is_node(b, v))
        return b->fixed_inv[v];
    return N(b, v)->inv;
}

static uint64_t mix(uint64_t h, uint64_t x)
{
    h ^= x + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h;
}

static uint64_t node_hash(const node *n)
{
    uint64_t kb;
    memcpy(&kb, &n->k, sizeof kb);
    uint64_t h = n->op;
    h = mix(h, (uint64_t)(uint32_t)n->a);
    h = mix(h, (uint64_t)(uint32_t)n->b);
    h = mix(h, (uint64_t)(uint32_t)n->c);
    h = mix(h, (uint64_t)(uint32_t)n->aux);
    h = mix(h, kb);
    return h;
}

static bool node_same(const node *x, const node *y)
{
    return x->op == y->op && x->a == y->a && x->b == y->b && x->c == y->c && x->aux == y->aux &&
           memcmp(&x->k, &y->k, sizeof x->k) == 0;
}

static bool hash_rebuild(mf_bc_builder *b, int cap)
{
    int *h = calloc((size_t)cap, sizeof *h);
    if (!h)
        return false;
    free(b->hash);
    b->hash = h;
    b->hash_cap = cap;
    for (int i = 0; i < b->n_nodes; i++) {
        node *n = &b->nodes[i];
        if (n->store_reg >= 0)
            continue;
        uint64_t s = node_hash(n) & (uint64_t)(cap - 1);
        while (h[s])
            s = (s + 1) & (uint64_t)(cap - 1);
        h[s] = i + 1;
    }
    return true;
}

/* A node is visible to value numbering when it is invariant or was made in
 * the current epoch (values made before a flush read old register contents
 * and values of another program are gone). */
static bool visible(const mf_bc_builder *b, const node *n)
{
    return n->inv || (n->prog == b->cur && n->epoch == b->epoch);
}

static int intern(mf_bc_builder *b, node proto)
{
    if (b->oom)
        return 0;
    proto.inv = value_inv(b, proto.a) && value_inv(b, proto.b) && value_inv(b, proto.c) &&
                proto.op != MF_OP_TIME && proto.op != MF_OP_INPUT;
    proto.store_reg = -1;
    uint64_t hv = node_hash(&proto);
    if (b->hash_cap) {
        uint64_t s = hv & (uint64_t)(b->hash_cap - 1);
        while (b->hash[s]) {
            node *n = &b->nodes[b->hash[s] - 1];
            if (node_same(n, &proto) && visible(b, n))
                return b->hash[s] - 1 + b->n_fixed;
            s = (s + 1) & (uint64_t)(b->hash_cap - 1);
        }
    }
    if (!grow((void **)&b->nodes, &b->cap_nodes, b->n_nodes + 1, sizeof(node))) {
        b->oom = true;
        return 0;
    }
    proto.prog = proto.inv ? 0 : b->cur;
    proto.epoch = b->epoch;
    proto.reg = -1;
    int idx = b->n_nodes++;
    b->nodes[idx] = proto;
    if (!proto.is_const) {
        prog_list *pl = &b->progs[proto.prog];
        if (!grow((void **)&pl->ids, &pl->cap, pl->n + 1, sizeof(int))) {
            b->oom = true;
            return 0;
        }
        pl->ids[pl->n++] = idx;
    }
    if (2 * b->n_nodes >= b->hash_cap) {
        if (!hash_rebuild(b, b->hash_cap ? 2 * b->hash_cap : 256)) {
            b->oom = true;
            return 0;
        }
    } else {
        uint64_t s = hv & (uint64_t)(b->hash_cap - 1);
        while (b->hash[s])
            s = (s + 1) & (uint64_t)(b->hash_cap - 1);
        b->hash[s] = idx + 1;
    }
    return idx + b->n_fixed;
}

static node proto_of(mf_op op, int a, int b2, int c, int32_t aux, double k)
{
    node n;
    memset(&n, 0, sizeof n);
    n.op = (uint8_t)op;
    n.a = a;
    n.b = b2;
    n.c = c;
    n.aux = aux;
    n.k = k;
    return n;
}

/* --- public builder API -------------------------------------------------- */

mf_bc_builder *mf_bc_builder_new(int n_fixed, const bool *fixed_invariant)
{
    mf_bc_builder *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->n_fixed = n_fixed;
    b->fixed_inv = calloc((size_t)n_fixed + 1, sizeof(bool));
    b->progs = calloc(4, sizeof(prog_list));
    if (!b->fixed_inv || !b->progs) {
        mf_bc_builder_free(b);
        return NULL;
    }
    b->cap_progs = 4;
    b->n_progs = 1; /* the preamble */
    if (fixed_invariant)
        memcpy(b->fixed_inv, fixed_invariant, (size_t)n_fixed * sizeof(bool));
    return b;
}

void mf_bc_builder_free(mf_bc_builder *b)
{
    if (!b)
        return;
    for (int i = 0; i < b->n_progs; i++)
        free(b->progs[i].ids);
    free(b->progs);
    free(b->nodes);
    free(b->hash);
    free(b->pend);
    free(b->fixed_inv);
    free(b);
}

int mf_bc_begin(mf_bc_builder *b)
{
    mf_bc_flush(b);
    if (!grow((void **)&b->progs, &b->cap_progs, b->n_progs + 1, sizeof(prog_list))) {
        b->oom = true;
        return -1;
    }
    memset(&b->progs[b->n_progs], 0, sizeof(prog_list));
    b->cur = b->n_progs++;
    b->epoch++;
    return b->cur;
}

int mf_bc_fixed(mf_bc_builder *b, int reg)
{
    (void)b;
    return reg;
}

int mf_bc_const(mf_bc_builder *b, double k)
{
    node p = proto_of(MF_OP_CONST, -1, -1, -1, 0, k);
    p.is_const = true;
    return intern(b, p);
}

bool mf_bc_is_const(const mf_bc_builder *b, int v, double *k)
{
    if (v < 0 || !is_node(b, v) || b->oom)
        return false;
    const node *n = N(b, v);
    if (!n->is_const)
        return false;
    if (k)
        *k = n->k;
    return true;
}

static int arity(mf_op op)
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
    case MF_OP_CONST:
    case MF_OP_TIME:
    case MF_OP_INPUT:
    case MF_OP_SCALAR:
    case MF_OP_NOP: return 0;
    default: return 1;
    }
}

/* Marks constant operands that must live in a register. */
static void need_regs(mf_bc_builder *b, int a, int c2, int c3)
{
    int v[3] = {a, c2, c3};
    for (int i = 0; i < 3; i++)
        if (v[i] >= 0 && is_node(b, v[i]) && N(b, v[i])->is_const)
            N(b, v[i])->need_reg = true;
}

int mf_bc_op(mf_bc_builder *b, mf_op op, int a, int c2, int c3)
{
    if (b->oom)
        return 0;
    int na = arity(op);
    double ka = 0, kb = 0, kc = 0;
    bool ca = na >= 1 && mf_bc_is_const(b, a, &ka);
    bool cb = na >= 2 && mf_bc_is_const(b, c2, &kb);
    bool cc = na >= 3 && mf_bc_is_const(b, c3, &kc);
    if (na > 0 && ca && (na < 2 || cb) && (na < 3 || cc))
        return mf_bc_const(b, mf_op_eval1(op, ka, kb, kc, 0));
    if (na == 1)
        return intern(b, proto_of(op, a, -1, -1, 0, 0));
    if (na == 2)
        return mf_bc_binop(b, op, a, c2);
    need_regs(b, a, c2, c3);
    return intern(b, proto_of(op, a, c2, c3, 0, 0));
}

int mf_bc_unop(mf_bc_builder *b, mf_op op, int a)
{
    return mf_bc_op(b, op, a, -1, -1);
}

static int immediate(mf_bc_builder *b, mf_op op, int a, double k)
{
    /* Identities that hold exactly for every double (up to the sign of a
     * zero sum). */
    if ((op == MF_OP_MULK || op == MF_OP_DIVK) && k == 1.0)
        return a;
    if (op == MF_OP_ADDK && k == 0.0)
        return a;
    if (op == MF_OP_MULK && k == -1.0)
        return intern(b, proto_of(MF_OP_NEG, a, -1, -1, 0, 0));
    return intern(b, proto_of(op, a, -1, -1, 0, k));
}

/* x ** n for small integer n as multiplications (what numpy's fast scalar
 * power does for 2; 3 and 4 differ from pow() by at most an ulp). */
static int int_power(mf_bc_builder *b, int a, double k)
{
    if (k == 1.0)
        return a;
    if (k == 2.0)
        return mf_bc_binop(b, MF_OP_MUL, a, a);
    if (k == 3.0)
        return mf_bc_binop(b, MF_OP_MUL, mf_bc_binop(b, MF_OP_MUL, a, a), a);
    if (k == 4.0) {
        int sq = mf_bc_binop(b, MF_OP_MUL, a, a);
        return mf_bc_binop(b, MF_OP_MUL, sq, sq);
    }
    if (k == -1.0)
        return immediate(b, MF_OP_KDIV, a, 1.0);
    if (k == 0.5)
        return mf_bc_unop(b, MF_OP_SQRT, a);
    if (k == 0.0)
        return mf_bc_const(b, 1.0);
    return immediate(b, MF_OP_POWK, a, k);
}

int mf_bc_binop(mf_bc_builder *b, mf_op op, int a, int c2)
{
    if (b->oom)
        return 0;
    double ka = 0, kb = 0;
    bool ca = mf_bc_is_const(b, a, &ka);
    bool cb = mf_bc_is_const(b, c2, &kb);
    if (ca && cb)
        return mf_bc_const(b, mf_op_eval1(op, ka, kb, 0, 0));
    switch (op) {
    case MF_OP_ADD:
        if (cb)
            return immediate(b, MF_OP_ADDK, a, kb);
        if (ca)
            return immediate(b, MF_OP_ADDK, c2, ka);
        break;
    case MF_OP_SUB:
        if (cb) /* a - k == a + (-k) exactly */
            return immediate(b, MF_OP_ADDK, a, -kb);
        if (ca)
            return immediate(b, MF_OP_KSUB, c2, ka);
        break;
    case MF_OP_MUL:
        if (cb)
            return immediate(b, MF_OP_MULK, a, kb);
        if (ca)
            return immediate(b, MF_OP_MULK, c2, ka);
        break;
    case MF_OP_DIV:
        /* a / k as a * (1/k): a vector multiply costs a fraction of a
         * divide, and the HH rates divide by constants (mV, ms) many times
         * a step. It may differ from a / k by half an ulp; both backends
         * run this same program, so they stay bit-identical, and Brian
         * (whose C++ is built with -ffast-math) does the same. Kept as a
         * division when 1/k is not a normal finite number. */
        if (cb && isnormal(1.0 / kb))
            return immediate(b, MF_OP_MULK, a, 1.0 / kb);
        if (cb)
            return immediate(b, MF_OP_DIVK, a, kb);
        if (ca)
            return immediate(b, MF_OP_KDIV, c2, ka);
        break;
    case MF_OP_POW:
        if (cb)
            return int_power(b, a, kb);
        break;
    default: break;
    }
    /* Commutative operations in a canonical order, for value numbering. */
    if ((op == MF_OP_ADD || op == MF_OP_MUL || op == MF_OP_EQ || op == MF_OP_NE ||
         op == MF_OP_AND || op == MF_OP_OR) &&
        c2 < a) {
        int t = a;
        a = c2;
        c2 = t;
    }
    need_regs(b, a, c2, -1);
    return intern(b, proto_of(op, a, c2, -1, 0, 0));
}

int mf_bc_time(mf_bc_builder *b)
{
    return intern(b, proto_of(MF_OP_TIME, -1, -1, -1, 0, 0));
}

int mf_bc_input(mf_bc_builder *b, int series, int step_offset)
{
    return intern(b, proto_of(MF_OP_INPUT, -1, -1, -1, series, (double)step_offset));
}

int mf_bc_scalar(mf_bc_builder *b, int index)
{
    return intern(b, proto_of(MF_OP_SCALAR, -1, -1, -1, index, 0));
}

void mf_bc_store(mf_bc_builder *b, int reg, int value)
{
    if (b->oom)
        return;
    if (!grow((void **)&b->pend, &b->cap_pend, b->n_pend + 1, sizeof(pending_store))) {
        b->oom = true;
        return;
    }
    b->pend[b->n_pend++] = (pending_store){reg, value};
}

static int append_node(mf_bc_builder *b, node n)
{
    if (!grow((void **)&b->nodes, &b->cap_nodes, b->n_nodes + 1, sizeof(node))) {
        b->oom = true;
        return -1;
    }
    n.prog = b->cur;
    n.epoch = b->epoch;
    n.reg = -1;
    int idx = b->n_nodes++;
    b->nodes[idx] = n;
    prog_list *pl = &b->progs[b->cur];
    if (!grow((void **)&pl->ids, &pl->cap, pl->n + 1, sizeof(int))) {
        b->oom = true;
        return -1;
    }
    pl->ids[pl->n++] = idx;
    return idx;
}

static bool stored_in_pending(const mf_bc_builder *b, int reg)
{
    for (int i = 0; i < b->n_pend; i++)
        if (b->pend[i].reg == reg)
            return true;
    return false;
}

void mf_bc_flush(mf_bc_builder *b)
{
    if (b->oom || b->n_pend == 0) {
        b->n_pend = 0;
        return;
    }
    /* A store whose value is the old content of a register that another
     * store of this group overwrites reads a copy made before the stores. */
    for (int i = 0; i < b->n_pend; i++) {
        int v = b->pend[i].value;
        if (!is_node(b, v) && v != b->pend[i].reg && stored_in_pending(b, v)) {
            node p = proto_of(MF_OP_MOV, v, -1, -1, 0, 0);
            p.store_reg = -1;
            int idx = append_node(b, p);
            if (idx < 0)
                return;
            b->pend[i].value = idx + b->n_fixed;
        }
    }
    for (int i = 0; i < b->n_pend; i++) {
        int v = b->pend[i].value;
        if (v == b->pend[i].reg)
            continue;
        node p = proto_of(MF_OP_MOV, v, -1, -1, 0, 0);
        p.store_reg = b->pend[i].reg;
        if (is_node(b, v) && N(b, v)->is_const)
            N(b, v)->need_reg = true;
        if (append_node(b, p) < 0)
            return;
    }
    b->n_pend = 0;
    b->epoch++;
}

/* --- finishing: liveness, registers, instructions ------------------------ */

static void mark_live(mf_bc_builder *b, int v)
{
    /* Iterative marking: operands are older nodes, so a worklist suffices. */
    if (v < 0 || !is_node(b, v))
        return;
    int *stack = NULL;
    int n = 0, cap = 0;
    if (!grow((void **)&stack, &cap, 1, sizeof(int))) {
        b->oom = true;
        return;
    }
    stack[n++] = v;
    while (n > 0) {
        int x = stack[--n];
        node *nd = N(b, x);
        if (nd->live)
            continue;
        nd->live = true;
        int ops[3] = {nd->a, nd->b, nd->c};
        for (int i = 0; i < 3; i++) {
            if (ops[i] >= 0 && is_node(b, ops[i]) && !N(b, ops[i])->live) {
                if (!grow((void **)&stack, &cap, n + 1, sizeof(int))) {
                    b->oom = true;
                    free(stack);
                    return;
                }
                stack[n++] = ops[i];
            }
        }
    }
    free(stack);
}

static int reg_of(const mf_bc_builder *b, int v)
{
    if (v < 0)
        return 0;
    if (!is_node(b, v))
        return v;
    return N(b, v)->reg;
}

static mf_instr instr_of(const mf_bc_builder *b, const node *n)
{
    mf_instr in;
    memset(&in, 0, sizeof in);
    in.op = n->op;
    in.d = (uint16_t)(n->store_reg >= 0 ? n->store_reg : n->reg);
    in.a = (uint16_t)reg_of(b, n->a);
    in.b = (uint16_t)reg_of(b, n->b);
    in.c = (uint16_t)reg_of(b, n->c);
    in.aux = n->aux;
    in.k = n->k;
    return in;
}

typedef struct reg_pool {
    int *free_regs;
    int n_free, cap;
    int next; /* next never-used register */
} reg_pool;

static int pool_take(reg_pool *p)
{
    if (p->n_free > 0)
        return p->free_regs[--p->n_free];
    return p->next++;
}

static bool pool_give(reg_pool *p, int r)
{
    if (!grow((void **)&p->free_regs, &p->cap, p->n_free + 1, sizeof(int)))
        return false;
    p->free_regs[p->n_free++] = r;
    return true;
}

/* Linear scan over one program's live nodes: last_use[i] = position of the
 * last instruction reading node i. */
static bool alloc_program(mf_bc_builder *b, int pi, int first_temp, int *max_reg,
                          mf_bc_program *out)
{
    prog_list *pl = &b->progs[pi];
    int *last = malloc(((size_t)b->n_nodes + 1) * sizeof(int));
    out->code = malloc(((size_t)pl->n + 1) * sizeof(mf_instr));
    reg_pool pool = {NULL, 0, 0, first_temp};
    if (!last || !out->code) {
        free(last);
        return false;
    }
    for (int i = 0; i < b->n_nodes; i++)
        last[i] = -1;
    for (int j = 0; j < pl->n; j++) {
        node *n = &b->nodes[pl->ids[j]];
        if (!n->live)
            continue;
        int ops[3] = {n->a, n->b, n->c};
        for (int o = 0; o < 3; o++)
            if (ops[o] >= 0 && is_node(b, ops[o]))
                last[ops[o] - b->n_fixed] = j;
    }
    out->n = 0;
    bool ok = true;
    for (int j = 0; j < pl->n && ok; j++) {
        int id = pl->ids[j];
        node *n = &b->nodes[id];
        if (!n->live)
            continue;
        /* Operands whose last use is here are freed before the result takes
         * a register: d[i] = f(a[i]) may overwrite a[i] in place. */
        int ops[3] = {n->a, n->b, n->c};
        for (int o = 0; o < 3; o++) {
            int v = ops[o];
            if (v < 0 || !is_node(b, v))
                continue;
            node *m = N(b, v);
            bool dup = (o >= 1 && ops[0] == v) || (o == 2 && ops[1] == v);
            if (!dup && m->prog == pi && last[v - b->n_fixed] == j)
                ok = ok && pool_give(&pool, m->reg);
        }
        if (n->store_reg < 0)
            n->reg = pool_take(&pool);
        out->code[out->n++] = instr_of(b, n);
    }
    if (pool.next > *max_reg)
        *max_reg = pool.next;
    free(pool.free_regs);
    free(last);
    return ok;
}

mf_status mf_bc_finish(mf_bc_builder *b, mf_bc_module *out, mf_error *err)
{
    memset(out, 0, sizeof *out);
    mf_bc_flush(b);
    if (b->oom)
        return mf_error_set(err, MF_ERR_NOMEM, "out of memory building the model's bytecode");
    /* Liveness from the stores of every program. */
    for (int i = 0; i < b->n_nodes; i++)
        if (b->nodes[i].store_reg >= 0) {
            b->nodes[i].live = true;
            mark_live(b, b->nodes[i].a);
        }
    if (b->oom)
        return mf_error_set(err, MF_ERR_NOMEM, "out of memory building the model's bytecode");
    out->prog = calloc((size_t)b->n_progs, sizeof(mf_bc_program));
    if (!out->prog)
        return mf_error_set(err, MF_ERR_NOMEM, "out of memory building the model's bytecode");
    out->n_prog = b->n_progs;
    out->n_fixed = b->n_fixed;
    /* Pinned registers: live constants used as registers, then the live
     * invariant nodes, all computed by the preamble. */
    int reg = b->n_fixed;
    int n_pre = 0;
    for (int i = 0; i < b->n_nodes; i++) {
        node *n = &b->nodes[i];
        if (n->is_const && n->need_reg && n->live)
            n->reg = reg++, n_pre++;
    }
    prog_list *pre = &b->progs[0];
    for (int j = 0; j < pre->n; j++) {
        node *n = &b->nodes[pre->ids[j]];
        if (n->live)
            n->reg = reg++, n_pre++;
    }
    mf_bc_program *p0 = &out->prog[0];
    p0->code = malloc(((size_t)n_pre + 1) * sizeof(mf_instr));
    if (!p0->code) {
        mf_bc_module_free(out);
        return mf_error_set(err, MF_ERR_NOMEM, "out of memory building the model's bytecode");
    }
    for (int i = 0; i < b->n_nodes; i++) {
        node *n = &b->nodes[i];
        if (n->is_const && n->need_reg && n->live)
            p0->code[p0->n++] = instr_of(b, n);
    }
    for (int j = 0; j < pre->n; j++) {
        node *n = &b->nodes[pre->ids[j]];
        if (n->live)
            p0->code[p0->n++] = instr_of(b, n);
    }
    int max_reg = reg;
    for (int pi = 1; pi < b->n_progs; pi++) {
        if (!alloc_program(b, pi, reg, &max_reg, &out->prog[pi])) {
            mf_bc_module_free(out);
            return mf_error_set(err, MF_ERR_NOMEM,
                                "out of memory building the model's bytecode");
        }
    }
    if (max_reg > 65535) {
        mf_bc_module_free(out);
        return mf_error_set(err, MF_ERR_INTERNAL,
                            "the model needs %d registers (at most 65535)", max_reg);
    }
    out->n_regs = max_reg;
    return MF_OK;
}

void mf_bc_module_free(mf_bc_module *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->n_prog; i++)
        free(m->prog[i].code);
    free(m->prog);
    memset(m, 0, sizeof *m);
}

/* --- listing --------------------------------------------------------------- */

static const char *const op_names[MF_OP_COUNT] = {
    [MF_OP_NOP] = "nop",     [MF_OP_MOV] = "mov",       [MF_OP_CONST] = "const",
    [MF_OP_ADD] = "add",     [MF_OP_SUB] = "sub",       [MF_OP_MUL] = "mul",
    [MF_OP_DIV] = "div",     [MF_OP_POW] = "pow",       [MF_OP_ADDK] = "addk",
    [MF_OP_MULK] = "mulk",   [MF_OP_DIVK] = "divk",     [MF_OP_KSUB] = "ksub",
    [MF_OP_KDIV] = "kdiv",   [MF_OP_POWK] = "powk",     [MF_OP_NEG] = "neg",
    [MF_OP_LT] = "lt",       [MF_OP_LE] = "le",         [MF_OP_GT] = "gt",
    [MF_OP_GE] = "ge",       [MF_OP_EQ] = "eq",         [MF_OP_NE] = "ne",
    [MF_OP_AND] = "and",     [MF_OP_OR] = "or",         [MF_OP_NOT] = "not",
    [MF_OP_SEL] = "sel",     [MF_OP_EXP] = "exp",       [MF_OP_LOG] = "log",
    [MF_OP_LOG10] = "log10", [MF_OP_SQRT] = "sqrt",     [MF_OP_SIN] = "sin",
    [MF_OP_COS] = "cos",     [MF_OP_TAN] = "tan",       [MF_OP_SINH] = "sinh",
    [MF_OP_COSH] = "cosh",   [MF_OP_TANH] = "tanh",     [MF_OP_ASIN] = "arcsin",
    [MF_OP_ACOS] = "arccos", [MF_OP_ATAN] = "arctan",   [MF_OP_ABS] = "abs",
    [MF_OP_SIGN] = "sign",   [MF_OP_FLOOR] = "floor",   [MF_OP_CEIL] = "ceil",
    [MF_OP_TRUNC] = "int",   [MF_OP_CLIP] = "clip",     [MF_OP_TIME] = "time",
    [MF_OP_INPUT] = "input", [MF_OP_SCALAR] = "scalar",
};

const char *mf_op_name(mf_op op)
{
    if ((int)op < 0 || op >= MF_OP_COUNT || !op_names[op])
        return "?";
    return op_names[op];
}
