/* Lexer and recursive-descent parser for Brian's expression language, which
 * is Python's expression syntax restricted to numbers, names, calls,
 * arithmetic, comparisons and boolean operators. Precedence follows Python
 * (see expr.h); newlines are whitespace because the equations layer hands
 * over expressions that continue over several lines. */
#include "error.h"
#include "expr.h"

#include <ctype.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Deep enough for any real model, shallow enough for the C stack. */
#define MF_PARSE_MAX_DEPTH 200

typedef enum tok_kind { T_END, T_NUM, T_NAME, T_OP } tok_kind;

typedef struct token {
    tok_kind kind;
    const char *start;
    size_t len;
    double num;
    int line, col;
} token;

typedef struct parser {
    const char *src;
    size_t pos;
    int line, col; /* position of src[pos] in the user's file */
    token tok;     /* the current (lookahead) token */
    const char *source;
    mf_error *err;
    bool failed;
    int depth;
    /* The first token inside the innermost '(' just opened: a unary minus
     * there does not count towards the depth (see parse_unary). */
    const char *group_first;
} parser;

/* --- errors --------------------------------------------------------------- */

static mf_expr *fail_at(parser *p, mf_status st, int line, int col, const char *fmt, ...)
    MF_PRINTF(5, 6);

static mf_expr *fail_at(parser *p, mf_status st, int line, int col, const char *fmt, ...)
{
    if (!p->failed) {
        va_list ap;
        va_start(ap, fmt);
        mf_error_vset(p->err, st, p->source, line, col, fmt, ap);
        va_end(ap);
        p->failed = true;
    }
    return NULL;
}

static mf_expr *fail_nomem(parser *p)
{
    return fail_at(p, MF_ERR_NOMEM, p->tok.line, p->tok.col,
                   "out of memory while parsing the expression");
}

static bool tok_is_keyword(const token *t)
{
    static const char *const kw[] = {"and", "or", "not", "True", "False", NULL};
    if (t->kind != T_NAME)
        return false;
    for (int i = 0; kw[i]; i++)
        if (t->len == strlen(kw[i]) && strncmp(t->start, kw[i], t->len) == 0)
            return true;
    return false;
}

/* A token as a user would name it in a message: "name 'mV'", "')'". */
static void tok_describe(const token *t, char *buf, size_t n)
{
    int len = t->len > 40 ? 40 : (int)t->len;
    switch (t->kind) {
    case T_END: snprintf(buf, n, "end of input"); break;
    case T_NUM: snprintf(buf, n, "number '%.*s'", len, t->start); break;
    case T_NAME:
        snprintf(buf, n, tok_is_keyword(t) ? "'%.*s'" : "name '%.*s'", len, t->start);
        break;
    case T_OP: snprintf(buf, n, "'%.*s'", len, t->start); break;
    }
}

/* --- lexer ---------------------------------------------------------------- */

static void advance_char(parser *p)
{
    if (p->src[p->pos] == '\n') {
        p->line++;
        p->col = 1;
    } else {
        p->col++;
    }
    p->pos++;
}

static void skip_space(parser *p)
{
    for (;;) {
        char c = p->src[p->pos];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            advance_char(p);
        } else if (c == '#') { /* a trailing comment, as in Python */
            while (p->src[p->pos] && p->src[p->pos] != '\n')
                advance_char(p);
        } else {
            return;
        }
    }
}

static bool is_name_start(char c)
{
    return isalpha((unsigned char)c) || c == '_';
}

static bool is_name_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* strtod honours LC_NUMERIC; model text always uses '.', so a locale with
 * another decimal point gets the text rewritten before conversion. The
 * whole literal is converted, however long: a prefix of it is another
 * number. Returns false when out of memory. */
static bool to_double(const char *s, size_t len, double *value)
{
    char small[128];
    char *buf = len < sizeof small ? small : malloc(len + 1);
    if (!buf)
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    const char *dp = localeconv()->decimal_point;
    if (dp && dp[0] && dp[0] != '.' && !dp[1]) {
        char *dot = strchr(buf, '.');
        if (dot)
            *dot = dp[0];
    }
    *value = strtod(buf, NULL);
    if (buf != small)
        free(buf);
    return true;
}

/* Scans digits [. digits] [e [+-] digits] or . digits [exponent]; returns
 * the length, 0 when the text is not a well-formed number. */
static size_t scan_number(const char *s)
{
    size_t i = 0, digits = 0;
    while (isdigit((unsigned char)s[i]))
        i++, digits++;
    if (s[i] == '.') {
        i++;
        while (isdigit((unsigned char)s[i]))
            i++, digits++;
    }
    if (digits == 0)
        return 0;
    if (s[i] == 'e' || s[i] == 'E') {
        size_t j = i + 1;
        if (s[j] == '+' || s[j] == '-')
            j++;
        if (!isdigit((unsigned char)s[j]))
            return 0;
        while (isdigit((unsigned char)s[j]))
            j++;
        i = j;
    }
    return i;
}

static bool lex_number(parser *p, token *t)
{
    const char *s = p->src + p->pos;
    size_t n = scan_number(s);
    if (n == 0 || is_name_char(s[n]) || s[n] == '.') {
        /* Show the whole glued run ("2mV", "1e", "1.2.3") in the message. */
        size_t m = n;
        while (is_name_char(s[m]) || s[m] == '.' ||
               ((s[m] == '+' || s[m] == '-') && m > 0 && (s[m - 1] == 'e' || s[m - 1] == 'E')))
            m++;
        if (n > 0 && is_name_start(s[n]))
            fail_at(p, MF_ERR_PARSE, t->line, t->col,
                    "invalid number '%.*s' (a number and a name need '*' between them, "
                    "e.g. %.*s*%.*s)",
                    (int)m, s, (int)n, s, (int)(m - n), s + n);
        else
            fail_at(p, MF_ERR_PARSE, t->line, t->col, "invalid number '%.*s'", (int)m, s);
        return false;
    }
    t->kind = T_NUM;
    t->len = n;
    if (!to_double(s, n, &t->num)) {
        fail_nomem(p);
        return false;
    }
    /* As the data readers do: a literal past the largest double is a
     * mistake, and an infinite number would print as the name inf. */
    if (isinf(t->num)) {
        fail_at(p, MF_ERR_PARSE, t->line, t->col,
                "number '%.*s%s' is too large (the largest double is about 1.8e308)",
                n > 40 ? 40 : (int)n, s, n > 40 ? "..." : "");
        return false;
    }
    for (size_t i = 0; i < n; i++)
        advance_char(p);
    return true;
}

/* Operators Python has but Brian's language does not, with a hint. */
static bool lex_unsupported(parser *p, const token *t)
{
    const char *s = p->src + p->pos;
    if (s[0] == '/' && s[1] == '/')
        fail_at(p, MF_ERR_PARSE, t->line, t->col,
                "floor division '//' is not supported; use floor(a/b)");
    else if (s[0] == '%')
        fail_at(p, MF_ERR_PARSE, t->line, t->col, "the modulo operator '%%' is not supported");
    else if (s[0] == '^')
        fail_at(p, MF_ERR_PARSE, t->line, t->col, "unexpected '^'; powers are written '**'");
    else if (s[0] == '=' && s[1] != '=')
        fail_at(p, MF_ERR_PARSE, t->line, t->col,
                "unexpected '=' in an expression; compare with '=='");
    else if (s[0] == '!' && s[1] != '=')
        fail_at(p, MF_ERR_PARSE, t->line, t->col, "unexpected '!'; negate with 'not'");
    else if (s[0] == '&' || s[0] == '|')
        fail_at(p, MF_ERR_PARSE, t->line, t->col, "unexpected '%c'; use 'and' / 'or'", s[0]);
    else
        return false;
    return true;
}

static bool lex_operator(parser *p, token *t)
{
    static const char *const ops[] = {"**", "<=", ">=", "==", "!=", "*", "/", "+",
                                      "-",  "<",  ">",  "(",  ")",  ",", NULL};
    const char *s = p->src + p->pos;
    if (lex_unsupported(p, t))
        return false;
    for (int i = 0; ops[i]; i++) {
        size_t n = strlen(ops[i]);
        if (strncmp(s, ops[i], n) == 0) {
            t->kind = T_OP;
            t->len = n;
            for (size_t k = 0; k < n; k++)
                advance_char(p);
            return true;
        }
    }
    unsigned char c = (unsigned char)s[0];
    if (isprint(c))
        fail_at(p, MF_ERR_PARSE, t->line, t->col, "unexpected character '%c'", c);
    else
        fail_at(p, MF_ERR_PARSE, t->line, t->col, "unexpected byte 0x%02x", c);
    return false;
}

/* Reads the next token into p->tok; false after an error. */
static bool next(parser *p)
{
    skip_space(p);
    token t = {T_END, p->src + p->pos, 0, 0.0, p->line, p->col};
    char c = p->src[p->pos];
    bool ok = true;
    if (c == '\0') {
        t.kind = T_END;
    } else if (isdigit((unsigned char)c) ||
               (c == '.' && isdigit((unsigned char)p->src[p->pos + 1]))) {
        ok = lex_number(p, &t);
    } else if (is_name_start(c)) {
        t.kind = T_NAME;
        while (is_name_char(p->src[p->pos])) {
            advance_char(p);
            t.len++;
        }
    } else {
        ok = lex_operator(p, &t);
    }
    p->tok = t;
    return ok;
}

static bool tok_is(const parser *p, const char *text)
{
    size_t n = strlen(text);
    return p->tok.kind != T_END && p->tok.kind != T_NUM && p->tok.len == n &&
           strncmp(p->tok.start, text, n) == 0;
}

/* --- grammar ---------------------------------------------------------------- */

static mf_expr *parse_or(parser *p);
static mf_expr *parse_unary(parser *p);

static mf_expr *at(mf_expr *e, int line, int col)
{
    if (e) {
        e->line = line;
        e->col = col;
    }
    return e;
}

static bool enter(parser *p)
{
    if (++p->depth > MF_PARSE_MAX_DEPTH) {
        fail_at(p, MF_ERR_PARSE, p->tok.line, p->tok.col,
                "expression nested too deeply (more than %d levels)", MF_PARSE_MAX_DEPTH);
        return false;
    }
    return true;
}

static mf_expr *expected_expression(parser *p)
{
    char what[64];
    tok_describe(&p->tok, what, sizeof what);
    if (tok_is(p, ")"))
        return fail_at(p, MF_ERR_PARSE, p->tok.line, p->tok.col,
                       "expected an expression, found ')'");
    return fail_at(p, MF_ERR_PARSE, p->tok.line, p->tok.col, "expected an expression, found %s",
                   what);
}

/* name '(' args ')': the function must be one of Brian's built-ins. */
static mf_expr *parse_call(parser *p, token name)
{
    char fname[64];
    snprintf(fname, sizeof fname, "%.*s", (int)(name.len > 60 ? 60 : name.len), name.start);
    mf_func fn;
    int want;
    if (!mf_func_lookup(fname, &fn, &want))
        return fail_at(p, MF_ERR_NAME, name.line, name.col, "unknown function '%s'", fname);
    token open = p->tok;
    if (!next(p))
        return NULL;
    mf_expr *args[3] = {NULL, NULL, NULL};
    int n = 0;
    bool ok = true;
    if (!tok_is(p, ")")) {
        for (;;) {
            mf_expr *a = parse_or(p);
            if (!a) {
                ok = false;
                break;
            }
            if (n < 3)
                args[n] = a;
            else
                mf_expr_free(a);
            n++;
            if (!tok_is(p, ","))
                break;
            if (!next(p)) {
                ok = false;
                break;
            }
        }
    }
    if (ok && !tok_is(p, ")")) {
        fail_at(p, MF_ERR_PARSE, p->tok.line, p->tok.col, "expected ')' to close '(' at %d:%d",
                open.line, open.col);
        ok = false;
    }
    if (ok && n != want) {
        fail_at(p, MF_ERR_PARSE, name.line, name.col, "%s() takes %d argument%s (%d given)",
                fname, want, want == 1 ? "" : "s", n);
        ok = false;
    }
    if (ok && !next(p))
        ok = false;
    if (!ok) {
        for (int i = 0; i < 3; i++)
            mf_expr_free(args[i]);
        return NULL;
    }
    mf_expr *e = at(mf_expr_call(fn, n, args), name.line, name.col);
    return e ? e : fail_nomem(p);
}

static mf_expr *parse_name(parser *p)
{
    token t = p->tok;
    if (!next(p))
        return NULL;
    if (t.len == 4 && strncmp(t.start, "True", 4) == 0) {
        mf_expr *e = at(mf_expr_num(1.0), t.line, t.col);
        if (e)
            e->is_bool = true;
        return e ? e : fail_nomem(p);
    }
    if (t.len == 5 && strncmp(t.start, "False", 5) == 0) {
        mf_expr *e = at(mf_expr_num(0.0), t.line, t.col);
        if (e)
            e->is_bool = true;
        return e ? e : fail_nomem(p);
    }
    if (tok_is(p, "("))
        return parse_call(p, t);
    char *name = malloc(t.len + 1);
    if (!name)
        return fail_nomem(p);
    memcpy(name, t.start, t.len);
    name[t.len] = '\0';
    mf_expr *e = at(mf_expr_name(name), t.line, t.col);
    free(name);
    return e ? e : fail_nomem(p);
}

static mf_expr *parse_atom(parser *p)
{
    token t = p->tok;
    if (t.kind == T_NUM) {
        if (!next(p))
            return NULL;
        mf_expr *e = at(mf_expr_num(t.num), t.line, t.col);
        return e ? e : fail_nomem(p);
    }
    if (t.kind == T_NAME && (!tok_is_keyword(&t) || tok_is(p, "True") || tok_is(p, "False")))
        return parse_name(p);
    if (tok_is(p, "(")) {
        if (!next(p))
            return NULL;
        p->group_first = p->tok.start;
        mf_expr *e = parse_or(p);
        if (!e)
            return NULL;
        if (!tok_is(p, ")")) {
            mf_expr_free(e);
            return fail_at(p, MF_ERR_PARSE, p->tok.line, p->tok.col,
                           "expected ')' to close '(' at %d:%d", t.line, t.col);
        }
        if (!next(p)) {
            mf_expr_free(e);
            return NULL;
        }
        /* The group's first character is its '(' (expr.h: positions). */
        return at(e, t.line, t.col);
    }
    return expected_expression(p);
}

/* power: atom ['**' unary]; the right operand is a unary expression so that
 * `mV**-1` parses, and recursion through unary makes ** right-associative. */
static mf_expr *parse_power(parser *p)
{
    mf_expr *base = parse_atom(p);
    if (!base || !tok_is(p, "**"))
        return base;
    if (!next(p)) {
        mf_expr_free(base);
        return NULL;
    }
    mf_expr *expo = parse_unary(p);
    if (!expo) {
        mf_expr_free(base);
        return NULL;
    }
    mf_expr *e = mf_expr_binary(MF_EX_POW, base, expo);
    return e ? e : fail_nomem(p);
}

static mf_expr *parse_unary(parser *p)
{
    if (!tok_is(p, "-") && !tok_is(p, "+"))
        return parse_power(p);
    token t = p->tok;
    /* "(-x)" counts one level, as "--x" and "(x)" do: the printer writes
     * -(-x) and a - (-b) for the trees of "--x" and "a - -b", and its text
     * must parse wherever the original did (expr.h, printing). The group's
     * '(' already counted, so the depth still bounds the recursion. */
    bool counted = t.start != p->group_first;
    if ((counted && !enter(p)) || !next(p))
        return NULL;
    mf_expr *a = parse_unary(p);
    if (counted)
        p->depth--;
    if (!a || t.start[0] == '+')
        return a;
    mf_expr *e = at(mf_expr_unary(MF_EX_NEG, a), t.line, t.col);
    return e ? e : fail_nomem(p);
}

/* One left-associative level: operand (op operand)*. */
static mf_expr *parse_left_assoc(parser *p, mf_expr *(*operand)(parser *),
                                 const char *const *ops, const mf_expr_kind *kinds)
{
    mf_expr *left = operand(p);
    while (left) {
        int k = -1;
        for (int i = 0; ops[i]; i++)
            if (tok_is(p, ops[i]))
                k = i;
        if (k < 0)
            return left;
        if (!next(p)) {
            mf_expr_free(left);
            return NULL;
        }
        mf_expr *right = operand(p);
        if (!right) {
            mf_expr_free(left);
            return NULL;
        }
        left = mf_expr_binary(kinds[k], left, right);
        if (!left)
            return fail_nomem(p);
    }
    return NULL;
}

static mf_expr *parse_term(parser *p)
{
    static const char *const ops[] = {"*", "/", NULL};
    static const mf_expr_kind kinds[] = {MF_EX_MUL, MF_EX_DIV};
    return parse_left_assoc(p, parse_unary, ops, kinds);
}

static mf_expr *parse_sum(parser *p)
{
    static const char *const ops[] = {"+", "-", NULL};
    static const mf_expr_kind kinds[] = {MF_EX_ADD, MF_EX_SUB};
    return parse_left_assoc(p, parse_term, ops, kinds);
}

static int comparison_kind(const parser *p)
{
    static const char *const ops[] = {"<", "<=", ">", ">=", "==", "!="};
    static const mf_expr_kind kinds[] = {MF_EX_LT, MF_EX_LE, MF_EX_GT,
                                         MF_EX_GE, MF_EX_EQ, MF_EX_NE};
    for (int i = 0; i < 6; i++)
        if (tok_is(p, ops[i]))
            return (int)kinds[i];
    return -1;
}

/* Comparisons chain as in Python: a < b < c means (a < b) and (b < c). */
static mf_expr *parse_comparison(parser *p)
{
    mf_expr *left = parse_sum(p);
    if (!left || comparison_kind(p) < 0)
        return left;
    mf_expr *result = NULL;
    int kind;
    while ((kind = comparison_kind(p)) >= 0) {
        mf_expr *right = next(p) ? parse_sum(p) : NULL;
        if (!right)
            goto fail;
        bool chained = comparison_kind(p) >= 0;
        mf_expr *keep = chained ? mf_expr_clone(right) : NULL;
        mf_expr *cmp = mf_expr_binary((mf_expr_kind)kind, left, right);
        left = keep;
        if (!cmp || (chained && !keep)) {
            mf_expr_free(cmp);
            fail_nomem(p);
            goto fail;
        }
        result = result ? mf_expr_binary(MF_EX_AND, result, cmp) : cmp;
        if (!result) {
            fail_nomem(p);
            goto fail;
        }
    }
    return result;
fail:
    mf_expr_free(left);
    mf_expr_free(result);
    return NULL;
}

static mf_expr *parse_not(parser *p)
{
    if (!tok_is(p, "not"))
        return parse_comparison(p);
    token t = p->tok;
    if (!enter(p) || !next(p))
        return NULL;
    mf_expr *a = parse_not(p);
    p->depth--;
    if (!a)
        return NULL;
    mf_expr *e = at(mf_expr_unary(MF_EX_NOT, a), t.line, t.col);
    return e ? e : fail_nomem(p);
}

static mf_expr *parse_and(parser *p)
{
    static const char *const ops[] = {"and", NULL};
    static const mf_expr_kind kinds[] = {MF_EX_AND};
    return parse_left_assoc(p, parse_not, ops, kinds);
}

static mf_expr *parse_or(parser *p)
{
    static const char *const ops[] = {"or", NULL};
    static const mf_expr_kind kinds[] = {MF_EX_OR};
    if (!enter(p))
        return NULL;
    mf_expr *e = parse_left_assoc(p, parse_and, ops, kinds);
    p->depth--;
    return e;
}

mf_expr *mf_expr_parse(const char *src, const char *source, int line0, int col0, mf_error *err)
{
    parser p = {0};
    p.src = src ? src : "";
    p.line = line0 > 0 ? line0 : 1;
    p.col = col0 > 0 ? col0 : 1;
    p.source = source;
    p.err = err;
    if (!next(&p))
        return NULL;
    mf_expr *e = parse_or(&p);
    if (e && p.tok.kind != T_END) {
        char what[64];
        tok_describe(&p.tok, what, sizeof what);
        if (tok_is(&p, ")"))
            fail_at(&p, MF_ERR_PARSE, p.tok.line, p.tok.col, "unmatched ')'");
        else
            fail_at(&p, MF_ERR_PARSE, p.tok.line, p.tok.col,
                    "unexpected %s after a complete expression (missing operator?)", what);
        mf_expr_free(e);
        return NULL;
    }
    if (!e && !p.failed)
        fail_nomem(&p);
    return e;
}
