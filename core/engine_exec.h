/* The bytecode run context of one step of an engine block: where the
 * bytecode programs that advance or record a block (the interpreter backend,
 * the engine's subexpressions) read their registers, inputs and time.
 *
 * Kept out of bytecode.h so that bytecode stays ignorant of the engine, and
 * written once so that every program of a block sees the same t. */
#ifndef MF_CORE_ENGINE_EXEC_H
#define MF_CORE_ENGINE_EXEC_H

#include "bytecode.h"
#include "engine.h"

/* reg: the program's registers (each `b->n` lanes wide); k: the step index. */
static inline mf_bc_exec mf_block_exec(const mf_block *b, double **reg, long k)
{
    mf_bc_exec x = {
        .reg = reg,
        .n = b->n,
        .step = k,
        .t = (double)k * b->dt, /* Brian: t = k*dt, not a running sum */
        .series = b->series,
        .n_steps = b->n_steps,
        .trace = b->trace,
        .scalars = b->scalars,
    };
    return x;
}

#endif
