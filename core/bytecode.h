/* Register bytecode for the interpreter backend of the engine.
 *
 * A program is a straight-line list of instructions; every instruction runs
 * over a whole block of lanes (each register is an array of `block` doubles),
 * so the cost of dispatch is paid once per block and the per-instruction loops
 * vectorise. Booleans are 1.0 / 0.0.
 *
 * Programs are built through a builder in SSA form (one value id per computed
 * value) and then register-allocated:
 *  - value numbering (hash-consing): an instruction identical to an earlier one
 *    returns the earlier value, so the repeated exponentials of HH rate
 *    functions and the shared parts of the Runge-Kutta stages are computed once;
 *  - loop-invariant values (built only from constants, the run's scalars and
 *    registers the programs never store to, i.e. the model's parameters) are
 *    moved to a preamble program that runs once per block, before the time
 *    loop; their registers stay pinned;
 *  - constants become immediate operands where the operation has such a form
 *    (a + k, a * k, k / a ...), else a register filled in the preamble;
 *  - temporaries are given registers by a linear scan over each program, freed
 *    at their last use (a freed register is reused first: it is still in L1).
 *
 * Register file layout: [0, n_fixed) are fixed registers (the model variables
 * and whatever else the caller wants to read or write between programs), then
 * the pinned invariants, then temporaries shared by all programs (programs run
 * one after another and temporaries do not survive a program).
 *
 * Evaluation never reorders floating-point operations: constant folding
 * computes exactly what the instruction would have computed at run time. */
#ifndef MF_CORE_BYTECODE_H
#define MF_CORE_BYTECODE_H

#include "modelfit/status.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum mf_op {
    MF_OP_NOP = 0,
    MF_OP_MOV,   /* d = a */
    MF_OP_CONST, /* d = k */
    MF_OP_ADD,   /* d = a + b */
    MF_OP_SUB,
    MF_OP_MUL,
    MF_OP_DIV,
    MF_OP_POW,
    MF_OP_ADDK, /* d = a + k */
    MF_OP_MULK, /* d = a * k */
    MF_OP_DIVK, /* d = a / k */
    MF_OP_KSUB, /* d = k - a */
    MF_OP_KDIV, /* d = k / a */
    MF_OP_POWK, /* d = pow(a, k) */
    MF_OP_NEG,
    MF_OP_LT,
    MF_OP_LE,
    MF_OP_GT,
    MF_OP_GE,
    MF_OP_EQ,
    MF_OP_NE,
    MF_OP_AND,
    MF_OP_OR,
    MF_OP_NOT,
    MF_OP_SEL, /* d = a != 0 ? b : c */
    MF_OP_EXP,
    MF_OP_LOG,
    MF_OP_LOG10,
    MF_OP_SQRT,
    MF_OP_SIN,
    MF_OP_COS,
    MF_OP_TAN,
    MF_OP_SINH,
    MF_OP_COSH,
    MF_OP_TANH,
    MF_OP_ASIN,
    MF_OP_ACOS,
    MF_OP_ATAN,
    MF_OP_ABS,
    MF_OP_SIGN,
    MF_OP_FLOOR,
    MF_OP_CEIL,
    MF_OP_TRUNC,  /* Python's int(): towards zero */
    MF_OP_CLIP,   /* d = min(max(a, b), c), numpy.clip */
    MF_OP_TIME,   /* d = the step's time t (the same for every lane) */
    MF_OP_INPUT,  /* d = series[aux][trace(lane)][min(step + (int)k, n_steps - 1)] */
    MF_OP_SCALAR, /* d = scalars[aux] (a per-run value, e.g. iteration) */
    MF_OP_COUNT
} mf_op;

typedef struct mf_instr {
    uint8_t op;
    uint16_t d, a, b, c;
    int32_t aux;
    double k;
} mf_instr;

typedef struct mf_bc_program {
    mf_instr *code;
    int n;
} mf_bc_program;

/* The result of a build: the preamble (index 0) and the programs in the order
 * they were begun (index 1, 2, ...). */
typedef struct mf_bc_module {
    mf_bc_program *prog;
    int n_prog;
    int n_fixed;
    int n_regs; /* registers a block needs: fixed + pinned + temporaries */
} mf_bc_module;

/* Everything an instruction may read besides registers: the lanes' input
 * traces and the step. */
typedef struct mf_bc_exec {
    double **reg;                /* reg[i] points to `n` doubles */
    int n;                       /* lanes */
    long step;                   /* step index k: MF_OP_INPUT reads sample step + offset */
    double t;                    /* MF_OP_TIME */
    const double *const *series; /* series[j]: n_traces x n_steps, row-major */
    long n_steps;                /* samples per trace of every series */
    const int *trace;            /* trace index of each of the n lanes */
    const double *scalars;
} mf_bc_exec;

void mf_bc_run(const mf_bc_program *p, const mf_bc_exec *x);

/* The scalar meaning of one instruction (k is its immediate); constant
 * folding uses it, so folded and run-time values agree bit for bit. */
double mf_op_eval1(mf_op op, double a, double b, double c, double k);

void mf_bc_module_free(mf_bc_module *m);

/* --- builder ------------------------------------------------------------- */
typedef struct mf_bc_builder mf_bc_builder;

/* fixed_invariant[i] says that fixed register i is never stored to by any
 * program (a parameter): values computed from it may go to the preamble.
 * The array is copied; NULL means none is. */
mf_bc_builder *mf_bc_builder_new(int n_fixed, const bool *fixed_invariant);
void mf_bc_builder_free(mf_bc_builder *b);

/* Starts the next program; the first one begun gets index 1. Values of a
 * program (other than invariants) cannot be used by another program. */
int mf_bc_begin(mf_bc_builder *b);

/* Value ids. A fixed register's current content is value id == its index. */
int mf_bc_fixed(mf_bc_builder *b, int reg);
int mf_bc_const(mf_bc_builder *b, double k);
int mf_bc_op(mf_bc_builder *b, mf_op op, int a, int c2, int c3);
int mf_bc_unop(mf_bc_builder *b, mf_op op, int a);
int mf_bc_binop(mf_bc_builder *b, mf_op op, int a, int c2);
int mf_bc_time(mf_bc_builder *b);
int mf_bc_input(mf_bc_builder *b, int series, int step_offset);
int mf_bc_scalar(mf_bc_builder *b, int index);
/* True when value v is a constant; sets *k. */
bool mf_bc_is_const(const mf_bc_builder *b, int v, double *k);

/* Queues "fixed register reg = value". Queued stores happen together at the
 * next flush (or the end of the program): every value computed before reads
 * the registers' old contents, as Brian's state updaters do. */
void mf_bc_store(mf_bc_builder *b, int reg, int value);
void mf_bc_flush(mf_bc_builder *b);

/* Allocates registers and writes the module. Returns MF_ERR_NOMEM if any
 * allocation of the builder failed, MF_ERR_INTERNAL on too many registers. */
mf_status mf_bc_finish(mf_bc_builder *b, mf_bc_module *out, mf_error *err);

/* The name of an instruction, for messages and tests. */
const char *mf_op_name(mf_op op);

#endif
