/* Brian equation strings -> mf_equations: the text is split into
 * definitions (a line that does not start one continues the previous
 * expression, as in Brian), then each definition's expression, unit and
 * flags are parsed. Names and units are checked against a namespace in
 * equations_check.c. */
#include "equations.h"
#include "error.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Hostile input (a 1 MB expression, thousands of nested parentheses) must
 * not drive the recursive expression code to the end of the stack; real
 * models stay orders of magnitude below these limits. */
enum { MF_EQ_MAX_EXPR_CHARS = 20000, MF_EQ_MAX_UNIT_CHARS = 1000, MF_EQ_MAX_NESTING = 100 };

typedef struct eq_pos {
    int line, col;
} eq_pos;

/* The text with comments and carriage returns blanked to spaces, so that
 * every offset keeps the line and column of the user's file. */
typedef struct eq_text {
    char *clean; /* len + 1 bytes, NUL-terminated */
    size_t len;
    size_t *line_start; /* offset of the first byte of each line */
    int n_lines;
    const char *source;
    mf_error *err;
} eq_text;

/* One definition as the line splitter finds it, before its parts are
 * parsed. Offsets index eq_text.clean. */
typedef struct eq_raw {
    mf_eq_kind kind;
    size_t name_at, name_len;
    size_t start, first_line_end;
    size_t rhs_at; /* just after '=' (not for parameters) */
    size_t colon;  /* the ':' before the unit, once found */
    bool has_colon;
    size_t end;      /* end of the line that holds the ':' */
    size_t last_end; /* just after the last non-blank byte so far */
    long depth;      /* parentheses open at last_end */
} eq_raw;

/* ---------------------------------------------------------------------- */
/* Characters and positions                                                */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\f' || c == '\v';
}

static bool is_ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_ident_char(char c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9');
}

static eq_pos pos_of(const eq_text *t, size_t at)
{
    int lo = 0, hi = t->n_lines - 1;
    while (lo < hi) {
        int mid = lo + (hi - lo + 1) / 2;
        if (t->line_start[mid] <= at)
            lo = mid;
        else
            hi = mid - 1;
    }
    size_t col = at - t->line_start[lo] + 1;
    return (eq_pos){lo + 1, col > (size_t)INT32_MAX ? INT32_MAX : (int)col};
}

static mf_status error_at(const eq_text *t, size_t at, mf_status st, const char *fmt, ...)
    MF_PRINTF(4, 5);

static mf_status error_at(const eq_text *t, size_t at, mf_status st, const char *fmt, ...)
{
    eq_pos p = pos_of(t, at);
    va_list ap;
    va_start(ap, fmt);
    mf_error_vset(t->err, st, t->source, p.line, p.col, fmt, ap);
    va_end(ap);
    return st;
}

static size_t skip_blanks(const char *s, size_t i, size_t end)
{
    while (i < end && is_blank(s[i]))
        i++;
    return i;
}

/* A copy of s[a, b) with every run of white space (newlines included)
 * turned into one space and the ends trimmed. */
static char *collapse(const char *s, size_t a, size_t b)
{
    char *out = malloc(b - a + 1);
    if (!out)
        return NULL;
    size_t n = 0;
    bool space = false;
    for (size_t i = a; i < b; i++) {
        if (is_blank(s[i]) || s[i] == '\n') {
            space = n > 0;
            continue;
        }
        if (space)
            out[n++] = ' ';
        space = false;
        out[n++] = s[i];
    }
    out[n] = '\0';
    return out;
}

static char *dup_range(const char *s, size_t a, size_t b)
{
    char *out = malloc(b - a + 1);
    if (out) {
        memcpy(out, s + a, b - a);
        out[b - a] = '\0';
    }
    return out;
}

/* A short printable excerpt for messages: at most 24 bytes, one line. */
static void excerpt(const char *s, size_t at, size_t end, char *buf, size_t n)
{
    size_t k = 0;
    for (size_t i = at; i < end && s[i] != '\n' && k + 4 < n && k < 24; i++)
        buf[k++] = s[i];
    if (k == 24 && at + k < end && s[at + k] != '\n' && k + 4 < n) {
        memcpy(buf + k, "...", 3);
        k += 3;
    }
    buf[k] = '\0';
}

/* ---------------------------------------------------------------------- */
/* Cleaning: comments, carriage returns, bytes that are not text            */

static mf_status clean_text(eq_text *t, const char *text, size_t len)
{
    t->len = len;
    t->clean = malloc(len + 1);
    size_t cap = 64;
    t->line_start = malloc(cap * sizeof *t->line_start);
    if (!t->clean || !t->line_start)
        return mf_error_set(t->err, MF_ERR_NOMEM, "out of memory reading the model");
    t->n_lines = 1;
    t->line_start[0] = 0;
    bool comment = false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        char out = (char)c;
        if (c == '\n') {
            comment = false;
            if ((size_t)t->n_lines == cap) {
                size_t *grown = realloc(t->line_start, 2 * cap * sizeof *grown);
                if (!grown)
                    return mf_error_set(t->err, MF_ERR_NOMEM,
                                        "out of memory reading the model");
                t->line_start = grown;
                cap *= 2;
            }
            if (t->n_lines < INT32_MAX)
                t->line_start[t->n_lines++] = i + 1;
        } else if (c == '\0') {
            t->clean[i] = ' ';
            return error_at(t, i, MF_ERR_PARSE,
                            "NUL byte in the model text (is this a binary file?)");
        } else if (comment || c == '#') {
            comment = true;
            out = ' ';
        } else if (c == '\r') {
            out = ' ';
        } else if (c >= 0x80 || (c < 0x20 && c != '\t' && c != '\f' && c != '\v') ||
                   c == 0x7f) {
            t->clean[i] = ' ';
            return error_at(t, i, MF_ERR_PARSE,
                            "unexpected byte 0x%02X outside a comment (equations are "
                            "ASCII text)",
                            c);
        }
        t->clean[i] = out;
    }
    t->clean[len] = '\0';
    return MF_OK;
}

/* ---------------------------------------------------------------------- */
/* Splitting the text into definitions                                      */

static size_t ident_end(const char *s, size_t i, size_t end)
{
    if (i >= end || !is_ident_start(s[i]))
        return i;
    while (i < end && is_ident_char(s[i]))
        i++;
    return i;
}

/* `d<name>/dt =` at p: fills the raw definition. */
static bool match_diff(const char *s, size_t p, size_t end, eq_raw *d)
{
    if (s[p] != 'd')
        return false;
    size_t ne = ident_end(s, p + 1, end);
    if (ne == p + 1)
        return false;
    size_t i = skip_blanks(s, ne, end);
    if (i >= end || s[i] != '/')
        return false;
    i = skip_blanks(s, i + 1, end);
    if (i + 2 > end || s[i] != 'd' || s[i + 1] != 't' ||
        (i + 2 < end && is_ident_char(s[i + 2])))
        return false;
    i = skip_blanks(s, i + 2, end);
    if (i >= end || s[i] != '=' || (i + 1 < end && s[i + 1] == '='))
        return false;
    d->kind = MF_EQ_DIFF;
    d->name_at = p + 1;
    d->name_len = ne - p - 1;
    d->rhs_at = i + 1;
    return true;
}

/* `x =` or `p :` at p. */
static bool match_simple(const char *s, size_t p, size_t end, eq_raw *d)
{
    size_t ne = ident_end(s, p, end);
    if (ne == p)
        return false;
    size_t i = skip_blanks(s, ne, end);
    if (i >= end)
        return false;
    d->name_at = p;
    d->name_len = ne - p;
    if (s[i] == '=' && !(i + 1 < end && s[i + 1] == '=')) {
        d->kind = MF_EQ_SUBEXPR;
        d->rhs_at = i + 1;
        return true;
    }
    if (s[i] == ':') {
        d->kind = MF_EQ_PARAM;
        d->colon = i;
        d->has_colon = true;
        return true;
    }
    return false;
}

static size_t last_nonblank_end(const char *s, size_t a, size_t b)
{
    while (b > a && is_blank(s[b - 1]))
        b--;
    return b;
}

/* Looks for the ':' that ends the expression in s[from, line_end). */
static void find_colon(const char *s, size_t from, size_t line_end, eq_raw *d)
{
    const char *c = memchr(s + from, ':', line_end - from);
    if (c) {
        d->colon = (size_t)(c - s);
        d->has_colon = true;
        d->end = line_end;
    }
}

static mf_status error_missing_unit(const eq_text *t, const eq_raw *d)
{
    return error_at(t, d->last_end, MF_ERR_PARSE,
                    "expected ': unit' after the expression of %.*s (every definition "
                    "ends with its unit, e.g. ': volt' or ': 1')",
                    (int)d->name_len, t->clean + d->name_at);
}

/* A line that starts no definition and continues none. */
static mf_status error_not_definition(const eq_text *t, size_t p, size_t le)
{
    const char *s = t->clean;
    char ex[32];
    size_t ne = ident_end(s, p, le);
    if (ne > p) {
        size_t i = skip_blanks(s, ne, le);
        if (s[p] == 'd' && i < le && s[i] == '/')
            return error_at(t, i, MF_ERR_PARSE,
                            "expected '%.*s/dt = expression : unit' (a differential "
                            "equation)",
                            (int)(ne - p), s + p);
        return error_at(t, i, MF_ERR_PARSE,
                        "expected '=' or ':' after '%.*s' (write 'x = expression : unit' "
                        "or 'p : unit')",
                        (int)(ne - p > 64 ? 64 : ne - p), s + p);
    }
    excerpt(s, p, le, ex, sizeof ex);
    return error_at(t, p, MF_ERR_PARSE,
                    "expected a definition ('dx/dt = expression : unit', "
                    "'x = expression : unit' or 'p : unit'), found '%s'",
                    ex);
}

typedef struct eq_raw_list {
    eq_raw *v;
    int n, cap;
} eq_raw_list;

/* True when the expression so far cannot end here: parentheses are open
 * or it ends with an operator. The next line then continues it even if it
 * looks like a definition (`x = a +` / `    b : 1`), as in Brian, where an
 * expression runs up to the ':'. */
static bool expression_open(const char *s, const eq_raw *d)
{
    if (d->depth > 0)
        return true;
    size_t e = d->last_end, a = d->kind == MF_EQ_PARAM ? e : d->rhs_at;
    if (e <= a)
        return true; /* `x =` with the expression on the next line */
    if (strchr("+-*/(,<>=!", s[e - 1]))
        return true;
    static const char *const words[] = {"and", "or", "not"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        size_t n = strlen(words[i]);
        if (e - a >= n && memcmp(s + e - n, words[i], n) == 0 &&
            (e - a == n || !is_ident_char(s[e - n - 1])))
            return true;
    }
    return false;
}

/* Adds the line's part s[p, end) to the definition: its parentheses and
 * where its last non-blank byte is. */
static void extend(const char *s, size_t p, size_t end, eq_raw *d)
{
    for (size_t i = p; i < end; i++)
        d->depth += s[i] == '(' ? 1 : s[i] == ')' ? -1 : 0;
    d->last_end = last_nonblank_end(s, p, end);
}

static mf_status split_definitions(const eq_text *t, eq_raw_list *out)
{
    const char *s = t->clean;
    eq_raw *cur = NULL;
    for (int ln = 0; ln < t->n_lines; ln++) {
        size_t ls = t->line_start[ln];
        size_t le = ln + 1 < t->n_lines ? t->line_start[ln + 1] - 1 : t->len;
        size_t p = skip_blanks(s, ls, le);
        if (p == le)
            continue;
        eq_raw d = {0};
        bool open = cur && !cur->has_colon && expression_open(s, cur);
        if (!open && (match_diff(s, p, le, &d) || match_simple(s, p, le, &d))) {
            if (cur && !cur->has_colon)
                return error_missing_unit(t, cur);
            if (out->n == out->cap) {
                int cap = out->cap ? 2 * out->cap : 16;
                eq_raw *grown = realloc(out->v, (size_t)cap * sizeof *grown);
                if (!grown)
                    return mf_error_nomem(t->err, "the list of definitions",
                                          (size_t)cap * sizeof *grown);
                out->v = grown;
                out->cap = cap;
            }
            d.start = p;
            d.first_line_end = last_nonblank_end(s, p, le);
            if (d.kind == MF_EQ_PARAM)
                d.end = le;
            else
                find_colon(s, d.rhs_at, le, &d);
            out->v[out->n] = d;
            cur = &out->v[out->n++];
            p = d.kind == MF_EQ_PARAM ? d.colon : d.rhs_at;
        } else {
            if (!cur || cur->has_colon)
                return error_not_definition(t, p, le);
            find_colon(s, p, le, cur);
        }
        extend(s, p, cur->has_colon ? cur->colon : le, cur);
    }
    if (cur && !cur->has_colon)
        return error_missing_unit(t, cur);
    return MF_OK;
}

/* ---------------------------------------------------------------------- */
/* Names                                                                   */

static const char *const reserved_names[][2] = {
    {"t", "the simulation time"},
    {"dt", "the time step"},
    {"xi", "white noise"},
    {"i", "the neuron index"},
    {"N", "the number of neurons"},
    {"lastspike", "the time of the last spike"},
    {"not_refractory", "the refractory state"},
};

/* Brian refuses model variables named like a unit. Our unit table also
 * accepts every power-of-1000 prefixed symbol (El = exalitre), which Brian
 * does not, and two-letter names like El are common parameter names: so
 * only Brian's short names (brian2/units/stdunits.py) and unit names of
 * three or more letters are refused. */
static bool is_brian_unit_name(const char *name)
{
    static const char *const short_names[] = {
        "mV", "mA",  "uA",  "nA", "pA",  "pF",  "uF", "nF",  "nS",  "uS", "ms",  "us",
        "Hz", "kHz", "MHz", "cm", "cm2", "cm3", "mm", "mm2", "mm3", "um", "um2", "um3"};
    for (size_t i = 0; i < sizeof short_names / sizeof short_names[0]; i++)
        if (strcmp(name, short_names[i]) == 0)
            return true;
    double scale;
    mf_dim dim;
    return strlen(name) >= 3 && mf_unit_lookup(name, &scale, &dim);
}

const char *mf_equations_reserved(const char *name)
{
    for (size_t i = 0; i < sizeof reserved_names / sizeof reserved_names[0]; i++)
        if (strcmp(name, reserved_names[i][0]) == 0)
            return reserved_names[i][1];
    return strncmp(name, "xi_", 3) == 0 ? "white noise" : NULL;
}

const char *mf_equations_name_problem(const char *name, bool units, char *buf, size_t n)
{
    size_t len = strlen(name);
    if (len == 0 || !is_ident_start(name[0]))
        goto not_identifier;
    for (size_t i = 1; i < len; i++)
        if (!is_ident_char(name[i]))
            goto not_identifier;
    const char *meaning = mf_equations_reserved(name);
    if (meaning) {
        snprintf(buf, n, "'%.64s' is reserved by Brian (%s)", name, meaning);
        return buf;
    }
    if (name[0] == '_') {
        snprintf(buf, n, "'%.64s' starts with '_', which Brian reserves", name);
        return buf;
    }
    static const char *const words[] = {"and", "or", "not", "True", "False"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcmp(name, words[i]) == 0) {
            snprintf(buf, n, "'%s' is a keyword of the expression language", name);
            return buf;
        }
    static const char *const consts[] = {"pi", "e", "inf"};
    for (size_t i = 0; i < sizeof consts / sizeof consts[0]; i++)
        if (strcmp(name, consts[i]) == 0) {
            snprintf(buf, n, "'%s' is a built-in constant", name);
            return buf;
        }
    mf_func fn;
    int nargs;
    if (mf_func_lookup(name, &fn, &nargs)) {
        snprintf(buf, n, "'%s' is a function name", name);
        return buf;
    }
    if (!units && is_brian_unit_name(name)) {
        snprintf(buf, n, "'%.64s' is the name of a unit", name);
        return buf;
    }
    return NULL;
not_identifier:
    snprintf(buf, n,
             "'%.64s' is not a valid name (letters, digits and '_', not starting "
             "with a digit)",
             name);
    return buf;
}

/* ---------------------------------------------------------------------- */
/* Units after ':'                                                         */

static double no_lookup(void *ctx, const mf_expr *name)
{
    (void)ctx;
    (void)name;
    return NAN;
}

static bool resolve_nothing(void *ctx, const char *name, mf_symbol *out)
{
    (void)ctx;
    (void)name;
    (void)out;
    return false;
}

/* Brian's units after ':' are unit names combined with '*', '/' and '**'
 * with a number exponent (`siemens/meter**2`), or `1`. */
static mf_status check_unit_shape(const eq_text *t, const mf_expr *u)
{
    double scale;
    mf_dim dim;
    switch (u->kind) {
    case MF_EX_NUM: return MF_OK;
    case MF_EX_NAME:
        if (strcmp(u->name, "boolean") == 0 || strcmp(u->name, "integer") == 0)
            return mf_error_at(t->err, MF_ERR_UNSUPPORTED, t->source, u->line, u->col,
                               "%s variables are not supported (use a unit, or 1 for a "
                               "dimensionless number)",
                               u->name);
        if (!mf_unit_lookup(u->name, &scale, &dim))
            return mf_error_at(t->err, MF_ERR_UNITS, t->source, u->line, u->col,
                               "unknown unit '%.64s' (Brian's unit names: volt, amp, "
                               "siemens, farad, ohm, second, hertz, metre, mole, 1, ...)",
                               u->name);
        return MF_OK;
    case MF_EX_MUL:
    case MF_EX_DIV: {
        mf_status st = check_unit_shape(t, u->arg[0]);
        return st ? st : check_unit_shape(t, u->arg[1]);
    }
    case MF_EX_POW: {
        const mf_expr *x = u->arg[1];
        if (x->kind == MF_EX_NEG)
            x = x->arg[0];
        if (x->kind != MF_EX_NUM)
            return mf_error_at(t->err, MF_ERR_UNITS, t->source, u->arg[1]->line, u->arg[1]->col,
                               "the exponent in a unit must be a number");
        return check_unit_shape(t, u->arg[0]);
    }
    default:
        return mf_error_at(t->err, MF_ERR_UNITS, t->source, u->line, u->col,
                           "a unit is made of unit names, '*', '/' and '**' (e.g. "
                           "'siemens/meter**2', or '1' for dimensionless)");
    }
}

/* Parses the unit in clean[a, b) into eq->dim and eq->unit_text. */
static mf_status parse_unit(const eq_text *t, size_t colon, size_t a, size_t b, mf_equation *eq)
{
    const char *s = t->clean;
    size_t u0 = skip_blanks(s, a, b);
    size_t u1 = last_nonblank_end(s, u0, b);
    if (u0 == u1)
        return error_at(t, colon, MF_ERR_PARSE,
                        "missing unit after ':' for %s (write ': 1' for a dimensionless "
                        "variable)",
                        eq->name);
    if (u1 - u0 > MF_EQ_MAX_UNIT_CHARS)
        return error_at(t, u0, MF_ERR_PARSE,
                        "the unit of %.64s is %zu characters long; the limit is %d", eq->name,
                        u1 - u0, MF_EQ_MAX_UNIT_CHARS);
    eq->unit_text = collapse(s, u0, u1);
    char *src = dup_range(s, u0, u1);
    if (!eq->unit_text || !src) {
        free(src);
        return mf_error_nomem(t->err, "a unit's text", 2 * (u1 - u0 + 1));
    }
    eq_pos p = pos_of(t, u0);
    mf_expr *u = mf_expr_parse(src, t->source, p.line, p.col, t->err);
    free(src);
    if (!u)
        return t->err ? t->err->status : MF_ERR_PARSE;
    mf_status st = check_unit_shape(t, u);
    if (!st)
        st = mf_expr_check(u, resolve_nothing, NULL, t->source, t->err);
    if (!st) {
        double scale = mf_expr_eval(u, no_lookup, NULL);
        eq->dim = u->dim;
        if (!(fabs(scale - 1.0) <= 1e-9))
            st = error_at(t, u0, MF_ERR_UNITS,
                          "the unit '%.64s' of %s is scaled by %g; Brian requires unscaled "
                          "units after ':' (volt, not mV; 1 for dimensionless)",
                          eq->unit_text, eq->name, scale);
    }
    mf_expr_free(u);
    return st;
}

/* ---------------------------------------------------------------------- */
/* Flags                                                                   */

static mf_status parse_flag(const eq_text *t, size_t a, size_t b, mf_equation *eq)
{
    char *flag = collapse(t->clean, a, b);
    if (!flag)
        return mf_error_nomem(t->err, "a flag's text", b - a + 1);
    size_t at = skip_blanks(t->clean, a, b);
    unsigned bit = 0;
    mf_status st = MF_OK;
    if (strcmp(flag, "constant") == 0)
        bit = MF_EQFLAG_CONSTANT;
    else if (strcmp(flag, "unless refractory") == 0)
        bit = MF_EQFLAG_UNLESS_REFRACTORY;
    else if (flag[0] == '\0')
        st = error_at(t, at, MF_ERR_PARSE,
                      "empty flag (valid flags: constant, unless refractory)");
    else
        st = error_at(t, at, MF_ERR_PARSE,
                      "unknown flag '%.64s' (valid flags: constant, unless refractory)", flag);
    if (!st && (eq->flags & bit))
        st = error_at(t, at, MF_ERR_PARSE, "flag '%s' given twice", flag);
    else if (!st && bit == MF_EQFLAG_CONSTANT && eq->kind != MF_EQ_PARAM)
        st = error_at(t, at, MF_ERR_PARSE,
                      "flag 'constant' is for parameters ('p : unit (constant)'), not for "
                      "%s",
                      eq->kind == MF_EQ_DIFF ? "differential equations" : "subexpressions");
    else if (!st && bit == MF_EQFLAG_UNLESS_REFRACTORY && eq->kind != MF_EQ_DIFF)
        st = error_at(t, at, MF_ERR_PARSE,
                      "flag 'unless refractory' is for differential equations, not for "
                      "%s",
                      eq->kind == MF_EQ_PARAM ? "parameters" : "subexpressions");
    eq->flags |= bit;
    free(flag);
    return st;
}

/* Where the flags start in clean[a, b), or b when there are none. As in
 * Brian's grammar (`UNIT [FLAGS]`), the flags are a parenthesised group
 * after a complete unit: the first '(' outside parentheses that follows the
 * end of an operand (a name, a number, a ')') and white space. A '(' after
 * an operator or at the start is part of the unit (`siemens/(metre**2)
 * (constant)`), and so is one right after a name (`exp(volt)`, which the
 * unit check then refuses). */
static size_t flags_start(const char *s, size_t a, size_t b)
{
    long depth = 0;
    for (size_t i = a; i < b; i++) {
        if (s[i] == ')')
            depth--;
        if (s[i] != '(' || depth++ != 0)
            continue;
        size_t j = i;
        while (j > a && is_blank(s[j - 1]))
            j--;
        if (j < i && j > a && (is_ident_char(s[j - 1]) || s[j - 1] == ')' || s[j - 1] == '.'))
            return i;
    }
    return b;
}

/* The unit and flags in clean[colon + 1, end): `unit [(flag, flag)]`. */
static mf_status parse_unit_and_flags(const eq_text *t, const eq_raw *d, mf_equation *eq)
{
    const char *s = t->clean;
    size_t a = d->colon + 1, b = d->end;
    size_t ue = flags_start(s, a, b);
    mf_status st = parse_unit(t, d->colon, a, ue, eq);
    if (st || ue == b)
        return st;
    const char *open = s + ue;
    const char *close = memchr(open, ')', (size_t)(s + b - open));
    if (!close)
        return error_at(t, last_nonblank_end(s, ue, b), MF_ERR_PARSE,
                        "missing ')' after the flags of %s", eq->name);
    size_t rest = skip_blanks(s, (size_t)(close - s) + 1, b);
    if (rest < b)
        return error_at(t, rest, MF_ERR_PARSE, "unexpected text after the flags of %s",
                        eq->name);
    size_t f = ue + 1, fe = (size_t)(close - s);
    for (;;) {
        const char *comma = memchr(s + f, ',', fe - f);
        size_t end = comma ? (size_t)(comma - s) : fe;
        if ((st = parse_flag(t, f, end, eq)))
            return st;
        if (!comma)
            return MF_OK;
        f = end + 1;
    }
}

/* ---------------------------------------------------------------------- */
/* Expressions                                                             */

/* Refuses expressions whose size or nesting could exhaust the stack of the
 * recursive parser and tree walkers. */
static mf_status check_expr_size(const eq_text *t, const eq_raw *d, size_t a)
{
    const char *s = t->clean;
    if (d->colon - a > MF_EQ_MAX_EXPR_CHARS)
        return error_at(t, a, MF_ERR_PARSE,
                        "the expression of %.*s is %zu characters long; the limit is %d",
                        (int)(d->name_len > 64 ? 64 : d->name_len), s + d->name_at,
                        d->colon - a, MF_EQ_MAX_EXPR_CHARS);
    int depth = 0;
    for (size_t i = a; i < d->colon; i++) {
        if (s[i] == '(' && ++depth > MF_EQ_MAX_NESTING)
            return error_at(t, i, MF_ERR_PARSE, "parentheses nested more than %d deep",
                            MF_EQ_MAX_NESTING);
        if (s[i] == ')')
            depth--;
    }
    return MF_OK;
}

static mf_status parse_expression(const eq_text *t, const eq_raw *d, mf_equation *eq)
{
    const char *s = t->clean;
    size_t a = d->rhs_at;
    size_t first = a;
    while (first < d->colon && (is_blank(s[first]) || s[first] == '\n'))
        first++;
    if (first == d->colon)
        return error_at(t, a - 1, MF_ERR_PARSE,
                        "missing expression after '=' in the "
                        "definition of %s",
                        eq->name);
    mf_status st = check_expr_size(t, d, first);
    if (st)
        return st;
    eq_pos p0 = pos_of(t, a), pf = pos_of(t, first);
    eq->expr_line = pf.line;
    eq->expr_col = pf.col;
    eq->expr_text = collapse(s, a, d->colon);
    char *src = dup_range(s, a, d->colon);
    if (!src || !eq->expr_text) {
        free(src);
        return mf_error_nomem(t->err, "an expression's text", 2 * (d->colon - a + 1));
    }
    eq->expr = mf_expr_parse(src, t->source, p0.line, p0.col, t->err);
    free(src);
    if (!eq->expr)
        return t->err && t->err->status ? t->err->status : MF_ERR_PARSE;
    return MF_OK;
}

/* ---------------------------------------------------------------------- */
/* Definitions                                                             */

static mf_status check_new_name(const eq_text *t, const eq_raw *d, const mf_equation *eq)
{
    char why[160];
    if (mf_equations_name_problem(eq->name, false, why, sizeof why))
        return error_at(t, d->name_at, MF_ERR_NAME, "cannot define %.64s: %s", eq->name, why);
    return MF_OK;
}

typedef struct eq_named {
    const char *name;
    int index;
} eq_named;

static int compare_named(const void *a, const void *b)
{
    const eq_named *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* Finds the first definition (in file order) that repeats an earlier name;
 * sorting keeps this fast for models with very many definitions. */
static mf_status check_duplicates(const eq_text *t, const eq_raw_list *raw,
                                  const mf_equations *eqs)
{
    eq_named *v = malloc((size_t)eqs->n * sizeof *v);
    if (!v)
        return mf_error_nomem(t->err, "the table of names", (size_t)eqs->n * sizeof *v);
    for (int i = 0; i < eqs->n; i++)
        v[i] = (eq_named){eqs->eq[i].name, i};
    qsort(v, (size_t)eqs->n, sizeof *v, compare_named);
    /* Within a group of equal names the indices ascend: the group's second
     * entry is its first repetition. */
    int first = -1, second = -1;
    for (int i = 1; i < eqs->n; i++) {
        bool repeat = strcmp(v[i].name, v[i - 1].name) == 0;
        bool group_second = repeat && (i < 2 || strcmp(v[i - 2].name, v[i].name) != 0);
        if (group_second && (second < 0 || v[i].index < second)) {
            first = v[i - 1].index;
            second = v[i].index;
        }
    }
    free(v);
    if (second < 0)
        return MF_OK;
    const mf_equation *a = &eqs->eq[first], *b = &eqs->eq[second];
    return error_at(t, raw->v[second].name_at, MF_ERR_NAME,
                    "%.64s is defined twice: on line %d and on line %d", b->name, a->line,
                    b->line);
}

static mf_status build_equation(const eq_text *t, const eq_raw *d, mf_equation *eq)
{
    eq_pos p = pos_of(t, d->start);
    eq->kind = d->kind;
    eq->line = p.line;
    eq->col = p.col;
    eq->name = dup_range(t->clean, d->name_at, d->name_at + d->name_len);
    eq->text = collapse(t->clean, d->start, d->first_line_end);
    if (!eq->name || !eq->text)
        return mf_error_nomem(t->err, "a definition's text",
                              d->name_len + d->first_line_end - d->start + 2);
    mf_status st = check_new_name(t, d, eq);
    if (!st && d->kind != MF_EQ_PARAM)
        st = parse_expression(t, d, eq);
    if (!st)
        st = parse_unit_and_flags(t, d, eq);
    return st;
}

static void equation_clear(mf_equation *eq)
{
    free(eq->name);
    mf_expr_free(eq->expr);
    free(eq->unit_text);
    free(eq->text);
    free(eq->expr_text);
    memset(eq, 0, sizeof *eq);
}

void mf_equations_free(mf_equations *eqs)
{
    if (!eqs)
        return;
    for (int i = 0; i < eqs->n; i++)
        equation_clear(&eqs->eq[i]);
    free(eqs->eq);
    free(eqs->source);
    free(eqs->subexpr_order);
    free(eqs);
}

static mf_status build_all(const eq_text *t, const eq_raw_list *raw, mf_equations *eqs)
{
    eqs->eq = calloc((size_t)raw->n, sizeof *eqs->eq);
    if (!eqs->eq)
        return mf_error_nomem(t->err, "the definitions", (size_t)raw->n * sizeof *eqs->eq);
    for (int i = 0; i < raw->n; i++) {
        mf_status st = build_equation(t, &raw->v[i], &eqs->eq[i]);
        if (st) {
            equation_clear(&eqs->eq[i]);
            return st;
        }
        eqs->n++;
    }
    return check_duplicates(t, raw, eqs);
}

mf_status mf_equations_parse_n(const char *text, size_t len, const char *source,
                               mf_equations **out, mf_error *err)
{
    mf_error_clear(err);
    if (!out || (!text && len > 0))
        return mf_error_set(err, MF_ERR_INVALID, "mf_equations_parse: NULL argument");
    *out = NULL;
    eq_text t = {.source = source ? source : "model", .err = err};
    eq_raw_list raw = {0};
    mf_equations *eqs = calloc(1, sizeof *eqs);
    mf_status st = eqs ? MF_OK : mf_error_nomem(err, "the equations", sizeof *eqs);
    if (!st && !(eqs->source = strdup(t.source)))
        st = mf_error_nomem(err, "the source's name", strlen(t.source) + 1);
    if (!st)
        st = clean_text(&t, text ? text : "", len);
    if (!st)
        st = split_definitions(&t, &raw);
    if (!st && raw.n == 0)
        st = mf_error_at(err, MF_ERR_PARSE, t.source, 1, 1,
                         "the model defines no equations (expected lines like "
                         "'dv/dt = (El - v)/tau : volt')");
    if (!st)
        st = build_all(&t, &raw, eqs);
    free(raw.v);
    free(t.clean);
    free(t.line_start);
    if (st) {
        mf_equations_free(eqs);
        return st;
    }
    *out = eqs;
    return MF_OK;
}

mf_status mf_equations_parse(const char *text, const char *source, mf_equations **out,
                             mf_error *err)
{
    return mf_equations_parse_n(text, text ? strlen(text) : 0, source, out, err);
}

const mf_equation *mf_equations_find(const mf_equations *eqs, const char *name)
{
    int i = mf_equations_index(eqs, name);
    return i < 0 ? NULL : &eqs->eq[i];
}

int mf_equations_index(const mf_equations *eqs, const char *name)
{
    if (!eqs || !name)
        return -1;
    for (int i = 0; i < eqs->n; i++)
        if (strcmp(eqs->eq[i].name, name) == 0)
            return i;
    return -1;
}
