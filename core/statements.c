/* Parsing of reset statements (see statements.h). The text is cut into
 * statements at `;` and at new lines outside parentheses; each right-hand
 * side goes to the expression parser with its position in the whole text,
 * so messages point into what the user wrote. */
#include "statements.h"

#include "error.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

const char *mf_assign_op_text(mf_assign_op op)
{
    static const char *const t[] = {"=", "+=", "-=", "*=", "/="};
    return (unsigned)op < 5 ? t[op] : "?";
}

void mf_statements_free(mf_statements *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->n; i++) {
        free(s->st[i].target);
        mf_expr_free(s->st[i].expr);
    }
    free(s->st);
    free(s->source);
    free(s);
}

/* A position in the text. */
typedef struct cursor {
    const char *p;
    int line, col;
} cursor;

static void advance(cursor *c)
{
    if (*c->p == '\n') {
        c->line++;
        c->col = 1;
    } else {
        c->col++;
    }
    c->p++;
}

static void skip_blanks(cursor *c)
{
    while (*c->p == ' ' || *c->p == '\t' || *c->p == '\r')
        advance(c);
}

/* The end of the statement starting at c: a `;`, a new line at parenthesis
 * depth 0, a comment or the end of the text. */
static const char *statement_end(const char *p)
{
    int depth = 0;
    for (; *p; p++) {
        if (*p == '(')
            depth++;
        else if (*p == ')' && depth > 0)
            depth--;
        else if (*p == ';' || *p == '#' || (*p == '\n' && depth == 0))
            return p;
    }
    return p;
}

static bool parse_op(cursor *c, mf_assign_op *op)
{
    static const struct {
        const char *s;
        mf_assign_op op;
    } ops[] = {{"+=", MF_ASSIGN_ADD},
               {"-=", MF_ASSIGN_SUB},
               {"*=", MF_ASSIGN_MUL},
               {"/=", MF_ASSIGN_DIV}};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        if (strncmp(c->p, ops[i].s, 2) == 0) {
            *op = ops[i].op;
            advance(c);
            advance(c);
            return true;
        }
    }
    if (c->p[0] == '=' && c->p[1] != '=') {
        *op = MF_ASSIGN_SET;
        advance(c);
        return true;
    }
    return false;
}

static mf_status add_statement(mf_statements *s, mf_statement st, mf_error *err)
{
    mf_statement *n = realloc(s->st, ((size_t)s->n + 1) * sizeof *n);
    if (!n) {
        free(st.target);
        mf_expr_free(st.expr);
        return mf_error_nomem(err, "the list of statements", ((size_t)s->n + 1) * sizeof *n);
    }
    s->st = n;
    s->st[s->n++] = st;
    return MF_OK;
}

/* Parses one statement in [c, end); an empty one is skipped. */
static mf_status parse_one(mf_statements *s, cursor *c, const char *end, mf_error *err)
{
    while (c->p < end && isspace((unsigned char)*c->p))
        advance(c);
    if (c->p >= end)
        return MF_OK;
    const char *src = s->source;
    mf_statement st = {.var = -1, .line = c->line, .col = c->col};
    if (!(isalpha((unsigned char)*c->p) || *c->p == '_'))
        return mf_error_at(err, MF_ERR_PARSE, src, c->line, c->col,
                           "expected the name of a variable to assign, found '%c'", *c->p);
    const char *name0 = c->p;
    while (c->p < end && (isalnum((unsigned char)*c->p) || *c->p == '_'))
        advance(c);
    size_t len = (size_t)(c->p - name0);
    st.target = malloc(len + 1);
    if (!st.target)
        return mf_error_nomem(err, "a statement's target", len + 1);
    memcpy(st.target, name0, len);
    st.target[len] = '\0';
    skip_blanks(c);
    if (c->p >= end || !parse_op(c, &st.op)) {
        mf_status rc =
            mf_error_at(err, MF_ERR_PARSE, src, c->line, c->col,
                        "expected '=', '+=', '-=', '*=' or '/=' after '%s'", st.target);
        free(st.target);
        return rc;
    }
    skip_blanks(c);
    size_t rlen = (size_t)(end - c->p);
    char *rhs = malloc(rlen + 1);
    if (!rhs) {
        free(st.target);
        return mf_error_nomem(err, "a statement's right side", rlen + 1);
    }
    memcpy(rhs, c->p, rlen);
    rhs[rlen] = '\0';
    st.expr = mf_expr_parse(rhs, src, c->line, c->col, err);
    free(rhs);
    if (!st.expr) {
        free(st.target);
        return err ? err->status : MF_ERR_PARSE;
    }
    while (c->p < end)
        advance(c);
    return add_statement(s, st, err);
}

mf_status mf_statements_parse(const char *text, const char *source, mf_statements **out,
                              mf_error *err)
{
    *out = NULL;
    mf_statements *s = calloc(1, sizeof *s);
    if (!s)
        return mf_error_nomem(err, "a list of statements", sizeof *s);
    s->source = strdup(source ? source : "reset");
    if (!s->source) {
        free(s);
        return mf_error_nomem(err, "the statements' source name",
                              strlen(source ? source : "reset") + 1);
    }
    cursor c = {text ? text : "", 1, 1};
    while (*c.p) {
        const char *end = statement_end(c.p);
        mf_status rc = parse_one(s, &c, end, err);
        if (rc != MF_OK) {
            mf_statements_free(s);
            return rc;
        }
        if (*c.p == '#')
            while (*c.p && *c.p != '\n')
                advance(&c);
        if (*c.p)
            advance(&c); /* the ';' or new line */
    }
    *out = s;
    return MF_OK;
}
