/* Brian-style text for expression trees: spaces around + - and comparisons,
 * none around * / **, and only the parentheses the tree needs, so that
 * parsing the text gives the same tree back. */
#include "expr.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct strbuf {
    char *s;
    size_t len, cap;
    bool failed;
} strbuf;

static void put(strbuf *b, const char *text)
{
    size_t n = strlen(text);
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->failed = true;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
    memcpy(b->s + b->len, text, n + 1);
    b->len += n;
}

/* Binding strength, loosest first, as in the grammar of expr.h. */
enum { P_OR = 1, P_AND, P_NOT, P_CMP, P_SUM, P_TERM, P_UNARY, P_POW, P_ATOM };

static bool is_negative_number(const mf_expr *e)
{
    return e->kind == MF_EX_NUM && !e->is_bool && signbit(e->num) && !isnan(e->num);
}

static int prec(const mf_expr *e)
{
    switch (e->kind) {
    case MF_EX_NUM: return is_negative_number(e) ? P_UNARY : P_ATOM;
    case MF_EX_NAME:
    case MF_EX_CALL: return P_ATOM;
    case MF_EX_POW: return P_POW;
    case MF_EX_NEG: return P_UNARY;
    case MF_EX_MUL:
    case MF_EX_DIV: return P_TERM;
    case MF_EX_ADD:
    case MF_EX_SUB: return P_SUM;
    case MF_EX_NOT: return P_NOT;
    case MF_EX_AND: return P_AND;
    case MF_EX_OR: return P_OR;
    default: return P_CMP;
    }
}

static const char *op_text(mf_expr_kind k)
{
    switch (k) {
    case MF_EX_ADD: return " + ";
    case MF_EX_SUB: return " - ";
    case MF_EX_MUL: return "*";
    case MF_EX_DIV: return "/";
    case MF_EX_POW: return "**";
    case MF_EX_LT: return " < ";
    case MF_EX_LE: return " <= ";
    case MF_EX_GT: return " > ";
    case MF_EX_GE: return " >= ";
    case MF_EX_EQ: return " == ";
    case MF_EX_NE: return " != ";
    case MF_EX_AND: return " and ";
    case MF_EX_OR: return " or ";
    default: return " ? ";
    }
}

/* snprintf writes the locale's decimal point; model text always uses '.'. */
static void fix_decimal_point(char *buf)
{
    const char *dp = localeconv()->decimal_point;
    if (!dp || !dp[0] || (dp[0] == '.' && !dp[1]))
        return;
    char *at = strstr(buf, dp);
    if (at) {
        *at = '.';
        memmove(at + 1, at + strlen(dp), strlen(at + strlen(dp)) + 1);
    }
}

/* Integers print without a decimal point ("13"); others in the shortest
 * form that reads back to the same double. */
static void format_number(double v, char *buf, size_t n)
{
    if (isnan(v)) {
        snprintf(buf, n, "nan");
    } else if (isinf(v)) {
        snprintf(buf, n, v > 0 ? "inf" : "-inf");
    } else if (v == trunc(v) && fabs(v) < 1e15) {
        snprintf(buf, n, "%.0f", v);
    } else {
        for (int digits = 1; digits <= 17; digits++) {
            snprintf(buf, n, "%.*g", digits, v);
            if (strtod(buf, NULL) == v)
                break;
        }
        fix_decimal_point(buf);
    }
}

static void print_node(strbuf *b, const mf_expr *e);

static void print_child(strbuf *b, const mf_expr *e, bool parens)
{
    if (parens)
        put(b, "(");
    print_node(b, e);
    if (parens)
        put(b, ")");
}

/* A negative operand on the right of an operator reads better in
 * parentheses ("a - (-b)", "a*(-1)"), though Python would not need them. */
static bool is_negation(const mf_expr *e)
{
    return e->kind == MF_EX_NEG || is_negative_number(e);
}

static void print_binary(strbuf *b, const mf_expr *e)
{
    const mf_expr *l = e->arg[0], *r = e->arg[1];
    int p = prec(e);
    bool lp, rp;
    if (e->kind == MF_EX_POW) {
        lp = prec(l) <= P_POW;  /* (a**b)**c, (-a)**b */
        rp = prec(r) < P_UNARY; /* a**-b is Python */
    } else if (p == P_CMP) {
        lp = prec(l) <= P_CMP; /* comparisons would chain */
        rp = prec(r) <= P_CMP || is_negation(r);
    } else {
        lp = prec(l) < p;
        rp = prec(r) <= p || is_negation(r);
    }
    print_child(b, l, lp);
    put(b, op_text(e->kind));
    print_child(b, r, rp);
}

static void print_node(strbuf *b, const mf_expr *e)
{
    char num[40];
    switch (e->kind) {
    case MF_EX_NUM:
        if (e->is_bool)
            put(b, e->num != 0.0 ? "True" : "False");
        else {
            format_number(e->num, num, sizeof num);
            put(b, num);
        }
        return;
    case MF_EX_NAME: put(b, e->name); return;
    case MF_EX_NEG:
        put(b, "-");
        print_child(b, e->arg[0], prec(e->arg[0]) < P_UNARY || is_negation(e->arg[0]));
        return;
    case MF_EX_NOT:
        put(b, "not ");
        print_child(b, e->arg[0], prec(e->arg[0]) < P_NOT);
        return;
    case MF_EX_CALL:
        put(b, mf_func_name(e->fn));
        put(b, "(");
        for (int i = 0; i < e->nargs; i++) {
            if (i)
                put(b, ", ");
            print_node(b, e->arg[i]);
        }
        put(b, ")");
        return;
    default: print_binary(b, e); return;
    }
}

char *mf_expr_to_string(const mf_expr *e)
{
    strbuf b = {NULL, 0, 0, false};
    if (!e)
        put(&b, "");
    else
        print_node(&b, e);
    if (b.failed) {
        free(b.s);
        return NULL;
    }
    return b.s;
}
