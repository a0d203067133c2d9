/* Helpers of the tests that reach the library's internals (engine, native
 * backend): units by name, compiling a model spec, per-variable parameter
 * rows for mf_run, and the HH and LIF models of ../shared/refdata with
 * their sidecars' constants (hh.json, lif.json). Header only, static. */
#ifndef MF_TEST_COMMON_MODEL_UTIL_H
#define MF_TEST_COMMON_MODEL_UTIL_H

#include "common/test_util.h"

#include "engine.h"
#include "model.h"
#include "units.h"

#include <math.h>
#include <string.h>

/* The dimension of a Brian unit name ("volt", "amp", "1"). */
static inline mf_dim tu_dim(const char *unit)
{
    double scale;
    mf_dim d = mf_dim_none();
    if (strcmp(unit, "1") != 0 && !mf_unit_lookup(unit, &scale, &d))
        fprintf(stderr, "model_util: unknown unit %s\n", unit);
    return d;
}

/* The model of spec; prints the error and returns NULL on failure (err
 * gets it too). */
static inline mf_model *tu_compile(const mf_model_spec *spec, mf_error *err)
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
typedef struct tu_params {
    const double *values[32];
} tu_params;

static inline void tu_param(tu_params *p, const mf_model *m, const char *name,
                            const double *rows)
{
    int v = mf_model_find_var(m, name);
    if (v >= 0 && v < 32)
        p->values[v] = rows;
    else
        fprintf(stderr, "model_util: no variable %s\n", name);
}

/* The HH model of ../shared/models/hh_tutorial.eqs with hh.json's
 * constants and input I, by `method`, v starting at v_init ("VT", "El");
 * NULL when the shared folder is absent or the model does not compile. */
static inline mf_model *tu_hh_model(const char *method, const char *v_init)
{
    char *eqs = tu_slurp(MF_SHARED_DIR "/models/hh_tutorial.eqs");
    if (!eqs)
        return NULL;
    mf_dim V = tu_dim("volt");
    mf_name_def consts[4] = {
        {"El", -0.065, V}, {"EK", -0.09, V}, {"ENa", 0.05, V}, {"VT", -0.063, V}};
    mf_name_def inputs[1] = {{"I", 0, tu_dim("amp")}};
    const char *init_names[1] = {"v"}, *init_values[1] = {v_init};
    mf_model_spec spec = {.equations = eqs,
                          .source = "hh_tutorial.eqs",
                          .constants = consts,
                          .n_constants = 4,
                          .inputs = inputs,
                          .n_inputs = 1,
                          .method = method,
                          .init_names = init_names,
                          .init_exprs = init_values,
                          .n_init = 1};
    mf_error err;
    mf_model *m = tu_compile(&spec, &err);
    free(eqs);
    return m;
}

/* The LIF model of lif.json: threshold v > VT, reset v = Vr, refractory
 * 2 ms with (unless refractory), exponential Euler, input I. */
static inline mf_model *tu_lif_model(void)
{
    mf_dim V = tu_dim("volt");
    mf_name_def consts[3] = {{"EL", -0.07, V}, {"VT", -0.05, V}, {"Vr", -0.065, V}};
    mf_name_def inputs[1] = {{"I", 0, tu_dim("amp")}};
    const char *init_names[1] = {"v"}, *init_values[1] = {"EL"};
    mf_model_spec spec = {.equations = "dv/dt = (EL - v + R*I)/tau : volt (unless refractory)\n"
                                       "R   : ohm (constant)\n"
                                       "tau : second (constant)\n",
                          .constants = consts,
                          .n_constants = 3,
                          .inputs = inputs,
                          .n_inputs = 1,
                          .threshold = "v > VT",
                          .reset = "v = Vr",
                          .refractory = "2*ms",
                          .method = "exponential_euler",
                          .init_names = init_names,
                          .init_exprs = init_values,
                          .n_init = 1};
    mf_error err;
    return tu_compile(&spec, &err);
}

#endif
