/* Small helpers shared by the engine tests: units by name, compiling a model
 * from a few strings, running it with parameter rows, reading shared files. */
#ifndef MF_TEST_ENGINE_UTIL_H
#define MF_TEST_ENGINE_UTIL_H

#include "engine.h"
#include "model.h"
#include "modelfit/data.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The dimension of a Brian unit name ("volt", "amp", "1"). */
static inline mf_dim eu_dim(const char *unit)
{
    double scale;
    mf_dim d = mf_dim_none();
    if (strcmp(unit, "1") != 0 && !mf_unit_lookup(unit, &scale, &d))
        fprintf(stderr, "engine_util: unknown unit %s\n", unit);
    return d;
}

/* A whole file as a string (NULL if it cannot be read). */
static inline char *eu_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s)
        s[n] = '\0';
    fclose(f);
    return s;
}

/* A model with the given pieces; prints the error and returns NULL on
 * failure (err gets it too). */
static inline mf_model *eu_compile(const mf_model_spec *spec, mf_error *err)
{
    mf_model *m = NULL;
    memset(err, 0, sizeof *err);
    if (mf_model_compile(spec, &m, err) != MF_OK) {
        printf("compile error: %s\n", err->message);
        return NULL;
    }
    return m;
}

/* One-variable-per-name parameter table for mf_run.values. */
typedef struct eu_params {
    const double *values[32];
} eu_params;

static inline void eu_param(eu_params *p, const mf_model *m, const char *name,
                            const double *rows)
{
    int v = mf_model_find_var(m, name);
    if (v >= 0 && v < 32)
        p->values[v] = rows;
    else
        fprintf(stderr, "engine_util: no variable %s\n", name);
}

#endif
