/* modelfit check MODEL_FILE [--const NAME=QUANTITY ...] [--input NAME:UNIT ...]
 * Parses and unit-checks a model file and prints what it defines. */
#include "verbs.h"

#include "modelfit/modelfit.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A model file is a few kilobytes; refuse to slurp something huge by
 * mistake (a data file given in place of the model). */
enum { MAX_MODEL_BYTES = 64 << 20 };

typedef struct named_quantities {
    int n;
    char **names;
    mf_quantity *values;
} named_quantities;

typedef struct check_args {
    const char *path;
    named_quantities consts, inputs;
} check_args;

static void named_free(named_quantities *q)
{
    for (int i = 0; i < q->n; i++)
        free(q->names[i]);
    free(q->names);
    free(q->values);
}

/* The library's messages start with "error: " when they have no place;
 * the host adds its own "error: ", so drop the library's. */
static const char *bare(const char *message)
{
    return strncmp(message, "error: ", 7) == 0 ? message + 7 : message;
}

/* Adds NAME<sep>QUANTITY from an option's argument. */
static int add_named(named_quantities *q, const char *option, const char *arg, char sep)
{
    const char *cut = strchr(arg, sep);
    if (!cut || cut == arg || cut[1] == '\0')
        return mf_host_fail("error: bad %s '%s': expected %s (e.g. %s %s)", option, arg,
                            sep == '=' ? "NAME=QUANTITY" : "NAME:UNIT", option,
                            sep == '=' ? "El=-65*mV" : "I:amp");
    mf_quantity value;
    mf_error err;
    if (mf_quantity_from_string(cut + 1, &value, &err))
        return mf_host_fail("error: bad %s '%s': %s", option, arg, bare(err.message));
    char **names = realloc(q->names, (size_t)(q->n + 1) * sizeof *names);
    if (names)
        q->names = names;
    mf_quantity *values = realloc(q->values, (size_t)(q->n + 1) * sizeof *values);
    if (values)
        q->values = values;
    char *name = names && values ? malloc((size_t)(cut - arg) + 1) : NULL;
    if (!name)
        return mf_host_fail("error: out of memory");
    memcpy(name, arg, (size_t)(cut - arg));
    name[cut - arg] = '\0';
    q->names[q->n] = name;
    q->values[q->n++] = value;
    return 0;
}

/* `--const X`, `--const=X`: returns the option's argument or NULL. */
static const char *option_value(const char *option, int argc, char **argv, int *i)
{
    size_t n = strlen(option);
    if (strncmp(argv[*i], option, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != '\0')
        return NULL;
    if (*i + 1 >= argc)
        return "";
    return argv[++*i];
}

static int parse_args(int argc, char **argv, check_args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *v;
        int rc = 0;
        if ((v = option_value("--const", argc, argv, &i)))
            rc = add_named(&a->consts, "--const", v, '=');
        else if ((v = option_value("--input", argc, argv, &i)))
            rc = add_named(&a->inputs, "--input", v, ':');
        else if (argv[i][0] == '-' && argv[i][1] != '\0')
            rc = mf_host_fail("error: unknown option '%s' (try: modelfit help check)", argv[i]);
        else if (a->path)
            rc = mf_host_fail("error: more than one model file ('%s' and '%s')", a->path,
                              argv[i]);
        else
            a->path = argv[i];
        if (rc)
            return rc;
    }
    if (!a->path)
        return mf_host_fail("error: no model file (usage: modelfit check MODEL_FILE "
                            "[--const NAME=QUANTITY ...] [--input NAME:UNIT ...])");
    return 0;
}

static int read_model(const char *path, char **text, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return mf_host_fail("error: cannot read '%s': %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    int rc = buf ? 0 : mf_host_fail("error: out of memory");
    while (!rc) {
        if (n == cap) {
            char *grown = cap < MAX_MODEL_BYTES ? realloc(buf, 2 * cap) : NULL;
            if (!grown) {
                rc = mf_host_fail("error: cannot read '%s': larger than %d MiB", path,
                                  MAX_MODEL_BYTES >> 20);
                break;
            }
            buf = grown;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0 && ferror(f))
            rc = mf_host_fail("error: cannot read '%s': %s", path, strerror(errno));
        else if (got == 0)
            break;
    }
    fclose(f);
    if (rc) {
        free(buf);
        return rc;
    }
    *text = buf;
    *len = n;
    return 0;
}

/* ---------------------------------------------------------------------- */
/* The table                                                               */

typedef struct widths {
    int name, unit;
} widths;

static widths column_widths(const mf_model_info *info, const named_quantities *consts)
{
    widths w = {4, 4};
    for (int i = 0; i < mf_model_info_count(info); i++) {
        int n = (int)strlen(mf_model_info_name(info, i));
        int u = (int)strlen(mf_model_info_unit(info, i));
        w.name = n > w.name ? n : w.name;
        w.unit = u > w.unit ? u : w.unit;
    }
    for (int i = 0; i < consts->n; i++) {
        int n = (int)strlen(consts->names[i]);
        w.name = n > w.name ? n : w.name;
    }
    return w;
}

static void print_entry(const mf_model_info *info, int i, widths w)
{
    const char *name = mf_model_info_name(info, i);
    const char *expr = mf_model_info_expression(info, i);
    unsigned flags = mf_model_info_flags(info, i);
    const char *unit = mf_model_info_unit(info, i);
    /* Columns are padded only when something follows: no trailing blanks. */
    if (!expr && !(flags & MF_MODEL_FLAG_UNLESS_REFRACTORY)) {
        printf("  %-*s  %s\n", w.name, name, unit);
        return;
    }
    printf("  %-*s  %-*s", w.name, name, w.unit, unit);
    if (expr && mf_model_info_kind(info, i) == MF_MODEL_STATE)
        printf("  d%s/dt = %s", name, expr);
    else if (expr)
        printf("  %s = %s", name, expr);
    if (flags & MF_MODEL_FLAG_UNLESS_REFRACTORY)
        printf("  (unless refractory)");
    putchar('\n');
}

static int count_kind(const mf_model_info *info, mf_model_entry_kind kind)
{
    int n = 0;
    for (int i = 0; i < mf_model_info_count(info); i++)
        n += mf_model_info_kind(info, i) == kind;
    return n;
}

static void print_section(const mf_model_info *info, mf_model_entry_kind kind,
                          const char *title, widths w, bool always)
{
    int n = count_kind(info, kind);
    if (n == 0 && !always)
        return;
    printf("%s (%d)\n", title, n);
    for (int i = 0; i < mf_model_info_count(info); i++)
        if (mf_model_info_kind(info, i) == kind)
            print_entry(info, i, w);
}

static void print_model(const char *path, const mf_model_info *info,
                        const named_quantities *consts)
{
    widths w = column_widths(info, consts);
    printf("%s: the model is valid\n\n", path);
    print_section(info, MF_MODEL_STATE, "state variables", w, true);
    print_section(info, MF_MODEL_SUBEXPRESSION, "subexpressions", w, true);
    print_section(info, MF_MODEL_PARAMETER, "parameters", w, true);
    print_section(info, MF_MODEL_LANE_VARIABLE, "per-lane variables", w, false);
    print_section(info, MF_MODEL_INPUT, "inputs", w, true);
    if (consts->n == 0)
        return;
    printf("constants (%d)\n", consts->n);
    for (int i = 0; i < consts->n; i++) {
        char value[64];
        mf_quantity_to_string(consts->values[i], value, sizeof value);
        printf("  %-*s  %s\n", w.name, consts->names[i], value);
    }
}

int mf_verb_check(int argc, char **argv)
{
    check_args a = {0};
    char *text = NULL;
    size_t len = 0;
    int rc = parse_args(argc, argv, &a);
    if (!rc)
        rc = read_model(a.path, &text, &len);
    if (!rc) {
        mf_model_info *info = NULL;
        mf_error err;
        mf_status st =
            mf_model_info_new(&info, text, len, a.path, a.consts.n,
                              (const char *const *)a.consts.names, a.consts.values, a.inputs.n,
                              (const char *const *)a.inputs.names, a.inputs.values, &err);
        if (st)
            rc = mf_host_fail("%s", err.message);
        else
            print_model(a.path, info, &a.consts);
        mf_model_info_free(info);
    }
    free(text);
    named_free(&a.consts);
    named_free(&a.inputs);
    return rc;
}
