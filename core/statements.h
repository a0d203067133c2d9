/* Brian's reset statements: `v = Vr; w += b`, one or more assignments
 * separated by `;` or new lines, with the operators = += -= *= /=.
 * `#` starts a comment. A new line inside parentheses continues the
 * statement. Statements run in order: a later one sees the earlier ones'
 * assignments, as Brian's reset code does. */
#ifndef MF_CORE_STATEMENTS_H
#define MF_CORE_STATEMENTS_H

#include "expr.h"

typedef enum mf_assign_op {
    MF_ASSIGN_SET, /* = */
    MF_ASSIGN_ADD, /* += */
    MF_ASSIGN_SUB, /* -= */
    MF_ASSIGN_MUL, /* *= */
    MF_ASSIGN_DIV  /* /= */
} mf_assign_op;

typedef struct mf_statement {
    char *target;
    mf_assign_op op;
    mf_expr *expr; /* the right-hand side, parsed, not resolved */
    int line, col; /* of the target name */
    int var;       /* set by whoever resolves the target (the model): -1 before */
} mf_statement;

typedef struct mf_statements {
    mf_statement *st;
    int n;
    char *source;
} mf_statements;

/* Parses text (an empty text gives zero statements). Errors point at the
 * place: "reset:1:3: error: expected '=', '+=', '-=', '*=' or '/=' after 'v'". */
mf_status mf_statements_parse(const char *text, const char *source, mf_statements **out,
                              mf_error *err);
void mf_statements_free(mf_statements *s);

const char *mf_assign_op_text(mf_assign_op op);

#endif
