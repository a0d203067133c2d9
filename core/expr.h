/* Brian's expression language: lexer, parser, AST, dimension check,
 * constant folding, symbolic derivative, simplification, evaluation.
 *
 * Grammar (Python precedence, loosest first):
 *   or  |  and  |  not  |  < <= > >= == !=  |  + -  |  * /  |  unary -, +  |  **  |  atom
 * `**` is right-associative and binds tighter than unary minus on its left
 * (-x**2 == -(x**2)), as in Python. Atoms: numbers (1, 1., .5, 1e-3, 2.5E+4),
 * names, calls f(a, b), parenthesised expressions, True, False.
 * Every node carries the line and column (1-based) of its first character. */
#ifndef MF_CORE_EXPR_H
#define MF_CORE_EXPR_H

#include "modelfit/status.h"
#include "units.h"

#include <stdbool.h>

typedef enum mf_expr_kind {
    MF_EX_NUM,  /* num */
    MF_EX_NAME, /* name */
    MF_EX_NEG,  /* -arg[0] */
    MF_EX_NOT,  /* not arg[0] */
    MF_EX_ADD,  /* arg[0] + arg[1]; likewise the binary kinds below */
    MF_EX_SUB,
    MF_EX_MUL,
    MF_EX_DIV,
    MF_EX_POW,
    MF_EX_LT,
    MF_EX_LE,
    MF_EX_GT,
    MF_EX_GE,
    MF_EX_EQ,
    MF_EX_NE,
    MF_EX_AND,
    MF_EX_OR,
    MF_EX_CALL /* fn(arg[0..nargs-1]) */
} mf_expr_kind;

typedef enum mf_func {
    MF_FN_EXP,
    MF_FN_LOG,
    MF_FN_LOG10,
    MF_FN_SQRT,
    MF_FN_SIN,
    MF_FN_COS,
    MF_FN_TAN,
    MF_FN_SINH,
    MF_FN_COSH,
    MF_FN_TANH,
    MF_FN_ARCSIN,
    MF_FN_ARCCOS,
    MF_FN_ARCTAN,
    MF_FN_ABS,
    MF_FN_SIGN,
    MF_FN_FLOOR,
    MF_FN_CEIL,
    MF_FN_CLIP,
    MF_FN_INT,
    MF_FN_COUNT
} mf_func;

/* What a name refers to. The expression module itself only knows
 * MF_SYM_CONST (folded to a number) and MF_SYM_UNRESOLVED; the other kinds
 * are assigned by whoever resolves names (equations, model) and carried
 * through untouched, with sym_index as that resolver's index. */
typedef enum mf_sym_kind {
    MF_SYM_UNRESOLVED = 0,
    MF_SYM_CONST,   /* a constant or unit: value in sym_value (SI) */
    MF_SYM_STATE,   /* a state variable (dx/dt) */
    MF_SYM_SUBEXPR, /* a subexpression */
    MF_SYM_PARAM,   /* a parameter or per-lane variable */
    MF_SYM_TIME,    /* t */
    MF_SYM_DT,      /* dt */
    MF_SYM_INPUT,   /* an input trace sampled per step (TimedArray) */
    MF_SYM_EXTRA    /* a per-lane value the fitter provides (v_target, iteration) */
} mf_sym_kind;

typedef struct mf_expr {
    mf_expr_kind kind;
    int line, col;
    double num; /* MF_EX_NUM */
    char *name; /* MF_EX_NAME (owned) */
    mf_func fn; /* MF_EX_CALL */
    int nargs;  /* number of used arg[] entries */
    struct mf_expr *arg[3];
    /* Filled by mf_expr_check: */
    mf_dim dim;
    bool is_bool;
    mf_sym_kind sym_kind; /* MF_EX_NAME */
    int sym_index;
    double sym_value;
} mf_expr;

/* One resolved name, as a resolver reports it. */
typedef struct mf_symbol {
    mf_sym_kind kind;
    int index;
    mf_dim dim;
    double value; /* MF_SYM_CONST: the SI value */
    bool is_bool;
} mf_symbol;

/* Resolves a name; returns false when the name is unknown to the resolver.
 * mf_expr_check falls back to the built-ins (pi, e, inf) and then Brian's
 * unit names (mV, nS, ...) when the resolver returns false. */
typedef bool (*mf_resolve_fn)(void *ctx, const char *name, mf_symbol *out);

/* --- construction ----------------------------------------------------- */
mf_expr *mf_expr_num(double v);
mf_expr *mf_expr_name(const char *name);
mf_expr *mf_expr_unary(mf_expr_kind kind, mf_expr *a);              /* takes a */
mf_expr *mf_expr_binary(mf_expr_kind kind, mf_expr *a, mf_expr *b); /* takes a, b */
mf_expr *mf_expr_call(mf_func fn, int nargs, mf_expr **args);       /* takes args */
mf_expr *mf_expr_clone(const mf_expr *e);
void mf_expr_free(mf_expr *e); /* NULL is a no-op */
/* Builders for trees made after checking (derivatives, splits): like the
 * constructors above (they take their operands; NULL operand -> NULL), but
 * they also set dim and is_bool from the operands by the rules of
 * mf_expr_check, without checking them. b is NULL for NEG and NOT. */
mf_expr *mf_expr_num_dim(double v, mf_dim dim);
mf_expr *mf_expr_make(mf_expr_kind kind, mf_expr *a, mf_expr *b);
mf_expr *mf_expr_make_call(mf_func fn, mf_expr *a, mf_expr *b, mf_expr *c); /* b, c: clip */

/* Function table: name <-> mf_func, and the number of arguments. */
const char *mf_func_name(mf_func fn);
bool mf_func_lookup(const char *name, mf_func *fn, int *nargs);

/* --- parsing -------------------------------------------------------------
 * Parses one expression from src. line0/col0 give the position of src[0] in
 * the enclosing text (the model file), so node positions and error messages
 * point into the user's file; src may span several lines. source names the
 * text in messages ("model" or a file name). On error returns NULL and fills
 * err with "source:line:col: error: ..." (MF_ERR_PARSE; MF_ERR_NAME for a
 * call to a function that is not one of Brian's). */
mf_expr *mf_expr_parse(const char *src, const char *source, int line0, int col0, mf_error *err);

/* --- checking ------------------------------------------------------------
 * Resolves every name (resolver, then pi/e/inf, then units), sets dim,
 * is_bool and sym_* on every node, and checks Brian's unit rules:
 * + - and comparisons need equal dimensions; ** needs a dimensionless
 * exponent, which must be constant when the base has a dimension; exp, log,
 * log10, trig and hyperbolic functions and int need dimensionless arguments;
 * sqrt halves exponents; abs, floor, ceil keep the unit; sign is
 * dimensionless; clip needs three equal units; and/or/not need booleans.
 * An unknown name is MF_ERR_NAME naming it; a mismatch is MF_ERR_UNITS
 * naming both sides and their units. Numbers keep their dim (none from the
 * parser, the unit of a folded constant), so a folded tree checks again. */
mf_status mf_expr_check(mf_expr *e, mf_resolve_fn resolve, void *ctx, const char *source,
                        mf_error *err);

/* --- transformation (all return new trees or consume as stated) ---------- */
/* Replaces MF_SYM_CONST names by numbers and evaluates constant subtrees.
 * Consumes e, returns the folded tree (dims preserved). */
mf_expr *mf_expr_fold(mf_expr *e);
/* Algebraic simplification: 0+x, 1*x, 0*x, x-x, x/1, x**1, x**0, constant
 * folding, double negation. Consumes e. */
mf_expr *mf_expr_simplify(mf_expr *e);
/* d e / d name, simplified. Names other than `name` are constants; a NAME
 * node matches by name. Works on checked trees and keeps dims consistent
 * (the result's dims are e->dim / dim(name) when e was checked). Returns
 * NULL with err filled for non-differentiable nodes (comparisons, int,
 * sign, floor, ceil have derivative 0 where defined: return 0). */
mf_expr *mf_expr_diff(const mf_expr *e, const char *name, mf_error *err);
/* Brian's conditionally-linear split for exponential Euler: rewrites e as
 * A*x + B where A does not contain x, and B may contain x only inside
 * non-polynomial functions (exp, log, ...), as Brian's
 * get_conditionally_linear_system does (expand, collect in x). On success
 * *A (possibly the number 0) and *B are new trees. When x appears with
 * another power or inside A, returns MF_ERR_INVALID (the caller names the
 * equation). */
mf_status mf_expr_split_linear(const mf_expr *e, const char *x, mf_expr **A, mf_expr **B,
                               mf_error *err);

/* --- queries ------------------------------------------------------------- */
bool mf_expr_equal(const mf_expr *a, const mf_expr *b); /* structural */
bool mf_expr_uses(const mf_expr *e, const char *name);
bool mf_expr_is_const(const mf_expr *e); /* no names except MF_SYM_CONST */
/* The first MF_EX_NAME node called name (pre-order), or NULL. */
const mf_expr *mf_expr_find_name(const mf_expr *e, const char *name);
/* Calls fn for every MF_EX_NAME node (pre-order). */
void mf_expr_visit_names(const mf_expr *e, void (*fn)(void *ctx, const mf_expr *name),
                         void *ctx);

/* --- evaluation ----------------------------------------------------------
 * Evaluates over doubles. Names: MF_SYM_CONST use sym_value; any other name
 * asks lookup(ctx, node). Booleans are 1.0/0.0. Python semantics for
 * int() (truncation) and ** (pow). */
typedef double (*mf_lookup_fn)(void *ctx, const mf_expr *name);
double mf_expr_eval(const mf_expr *e, mf_lookup_fn lookup, void *ctx);

/* --- printing ------------------------------------------------------------
 * Brian-style text with the fewest parentheses that keep the meaning
 * ("(gl*(El - v) + I)/Cm"). Returns a malloc'd string. */
char *mf_expr_to_string(const mf_expr *e);

/* Parses a quantity string ("0.01*ms", "20000*umetre**2", "-65*mV",
 * "1e-9*siemens", "3") made of numbers and units only: value in SI and its
 * dimension. Errors name the column. */
mf_status mf_quantity_parse(const char *s, double *value, mf_dim *dim, mf_error *err);

#endif
