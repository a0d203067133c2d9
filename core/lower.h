/* Lowering of the model's expressions and abstract code (integrate.h) to
 * bytecode values (bytecode.h). Fixed register v holds model variable v. */
#ifndef MF_CORE_LOWER_H
#define MF_CORE_LOWER_H

#include "bytecode.h"
#include "integrate.h"

typedef struct mf_lower {
    const mf_model *m;
    mf_bc_builder *b;
    double dt;
    double t_offset; /* t and inputs are read at t + t_offset*dt */
    /* Temporaries defined by earlier code lines: names and value ids. */
    char **tmp_name;
    int *tmp_val;
    int n_tmp, cap_tmp;
    bool failed; /* an unknown name or out of memory */
    char failed_name[64];
} mf_lower;

void mf_lower_init(mf_lower *L, const mf_model *m, mf_bc_builder *b, double dt);
void mf_lower_done(mf_lower *L);

/* The value of e (booleans are 1/0). */
int mf_lower_expr(mf_lower *L, const mf_expr *e);

/* Emits a code list; stores go to the model variables through the builder
 * (masked by not_refractory when a line says unless_refractory and the model
 * has a refractory period) and are flushed at the end. */
void mf_lower_code(mf_lower *L, const mf_code *c);

/* Defines a temporary name for later lines. */
void mf_lower_define(mf_lower *L, const char *name, int value);

#endif
