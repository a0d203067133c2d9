/* mf_fitter_new: checks a spec as a whole, compiles the model once (its
 * outputs, variables or subexpressions as brian2modelfitting allows, e.g.
 * `I = g*(v - E) : amp`, each with its `<name>_target` series, and
 * `iteration`) and lays out the series the engine reads; plus the fitter's
 * accessors. */
#include "fitter.h"
#include "fitter_guard.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static mf_quantity unit_of(mf_dim d)
{
    mf_quantity q = {1.0, {0}};
    for (int i = 0; i < MF_NDIM; i++)
        q.dim[i] = d.e[i];
    return q;
}

/* --- checks that need the spec only ----------------------------------------- */

static mf_status check_kind(const mf_fitter_spec *s, mf_error *err)
{
    if (!s->model)
        return mf_error_set(err, MF_ERR_INVALID, "no model: call mf_fitter_spec_set_model");
    if (!(s->dt > 0))
        return mf_error_set(err, MF_ERR_INVALID, "dt is not set: call mf_fitter_spec_set_dt");
    switch (s->kind) {
    case MF_FITTER_TRACES:
        if (s->n_outputs < 1)
            return mf_error_set(err, MF_ERR_INVALID,
                                "the trace fitter needs at least one output (target traces)");
        break;
    case MF_FITTER_ONLINE:
        if (s->n_outputs != 1)
            return mf_error_set(err, MF_ERR_INVALID,
                                "the online trace fitter fits exactly one output, not %d",
                                s->n_outputs);
        break;
    case MF_FITTER_SPIKES:
        if (!s->has_spikes)
            return mf_error_set(err, MF_ERR_INVALID,
                                "the spike fitter needs target spike trains "
                                "(mf_fitter_spec_set_output_spikes)");
        if (!s->threshold)
            return mf_error_set(err, MF_ERR_INVALID,
                                "the spike fitter needs a threshold condition");
        if (s->n_inputs < 1)
            return mf_error_set(err, MF_ERR_INVALID,
                                "the spike fitter needs an input: its length is the "
                                "recording's duration");
        break;
    }
    return MF_OK;
}

static mf_status check_shapes(const mf_fitter_spec *s, int *n_traces, long *n_steps,
                              mf_error *err)
{
    const fit_series *first = s->n_inputs ? &s->inputs[0] : &s->outputs[0];
    const char *first_what = s->n_inputs ? "input" : "output";
    *n_traces = first->n_traces;
    *n_steps = first->n_steps;
    for (int i = 0; i < s->n_inputs + s->n_outputs; i++) {
        const fit_series *x = i < s->n_inputs ? &s->inputs[i] : &s->outputs[i - s->n_inputs];
        if (x->n_traces != *n_traces || x->n_steps != *n_steps)
            return mf_error_set(err, MF_ERR_INVALID,
                                "%s %s has %d traces x %ld steps but %s %s has %d x %ld",
                                i < s->n_inputs ? "input" : "output", x->name, x->n_traces,
                                x->n_steps, first_what, first->name, *n_traces, *n_steps);
    }
    if (s->has_spikes && s->n_trains != *n_traces)
        return mf_error_set(err, MF_ERR_INVALID,
                            "there are %d target spike trains but %d input traces: give one "
                            "train per trace",
                            s->n_trains, *n_traces);
    if (*n_steps > UINT32_MAX || *n_traces < 1)
        return mf_error_set(err, MF_ERR_INVALID, "the recordings are too long (%ld steps)",
                            *n_steps);
    return MF_OK;
}

static mf_status check_finite(const mf_fitter_spec *s, mf_error *err)
{
    for (int i = 0; i < s->n_inputs; i++) {
        mf_status rc = mf_engine_check_series(s->inputs[i].name, s->inputs[i].v,
                                              s->inputs[i].n_traces, s->inputs[i].n_steps, err);
        if (rc != MF_OK)
            return rc;
    }
    for (int i = 0; i < s->n_outputs; i++) {
        const fit_series *o = &s->outputs[i];
        mf_status rc =
            mf_engine_check_values("output", o->name, o->v, o->n_traces, o->n_steps, err);
        if (rc != MF_OK)
            return rc;
    }
    return MF_OK;
}

/* --- the model's namespace ---------------------------------------------------- */

/* The names the model is compiled with: constants, inputs and outputs. */
static mf_status plan_namespace(mf_fitter *f, mf_error *err)
{
    const mf_fitter_spec *s = f->spec;
    mf_status rc = mf_settings_defs(s->consts, s->n_consts, s->inputs, s->n_inputs,
                                    &f->const_defs, &f->in_defs, err);
    if (rc != MF_OK)
        return rc;
    f->tgt_names = calloc((size_t)s->n_outputs + 1, sizeof *f->tgt_names);
    if (!f->tgt_names)
        return mf_error_nomem(err, "the table of outputs",
                              ((size_t)s->n_outputs + 1) * sizeof *f->tgt_names);
    for (int i = 0; i < s->n_outputs; i++)
        f->tgt_names[i] = s->outputs[i].name;
    return MF_OK;
}

mf_status mf_fitter_compile(const mf_fitter *f, const char *equations, int n_init,
                            const char *const *names, const char *const *values, mf_model **out,
                            mf_error *err)
{
    const mf_fitter_spec *s = f->spec;
    int n = s->n_inits + n_init;
    const char **in = calloc((size_t)n + 1, sizeof *in);
    const char **iv = calloc((size_t)n + 1, sizeof *iv);
    if (!in || !iv) {
        free(in);
        free(iv);
        return mf_error_nomem(err, "the table of initial values",
                              2 * ((size_t)n + 1) * sizeof *in);
    }
    int k = 0;
    for (int i = 0; i < s->n_inits; i++) {
        bool replaced = false;
        for (int j = 0; j < n_init; j++)
            replaced = replaced || strcmp(names[j], s->inits[i].name) == 0;
        if (!replaced) {
            in[k] = s->inits[i].name;
            iv[k++] = s->inits[i].value;
        }
    }
    for (int j = 0; j < n_init; j++) {
        in[k] = names[j];
        iv[k++] = values[j];
    }
    mf_model_spec ms = {
        .equations = equations ? equations : s->model,
        .source = s->source,
        .constants = f->const_defs,
        .n_constants = s->n_consts,
        .inputs = f->in_defs,
        .n_inputs = s->n_inputs,
        .outputs = f->tgt_names,
        .n_outputs = s->n_outputs,
        .threshold = s->threshold,
        .reset = s->reset,
        .refractory = s->refractory,
        .method = s->method,
        .init_names = in,
        .init_exprs = iv,
        .n_init = k,
        .iteration = true,
    };
    mf_status rc = mf_model_compile(&ms, out, err);
    free(in);
    free(iv);
    return rc;
}

/* --- checks that need the compiled model ----------------------------------------- */

static bool uses_name(const mf_model *m, const char *name)
{
    for (int i = 0; i < m->eqs->n; i++)
        if (m->eqs->eq[i].expr && mf_expr_uses(m->eqs->eq[i].expr, name))
            return true;
    if ((m->threshold && mf_expr_uses(m->threshold, name)) ||
        (m->refractory && mf_expr_uses(m->refractory, name)))
        return true;
    for (int i = 0; m->reset && i < m->reset->n; i++)
        if (mf_expr_uses(m->reset->st[i].expr, name))
            return true;
    for (int v = 0; v < m->n_var; v++)
        if (m->var[v].init && mf_expr_uses(m->var[v].init, name))
            return true;
    return false;
}

static mf_status check_inputs_used(const mf_fitter *f, mf_error *err)
{
    for (int i = 0; i < f->spec->n_inputs; i++)
        if (!uses_name(f->model, f->spec->inputs[i].name))
            return mf_error_set(
                err, MF_ERR_NAME,
                "input '%s' is not used by the model (its equations, threshold, "
                "reset or refractory)",
                f->spec->inputs[i].name);
    return MF_OK;
}

static mf_status find_params(mf_fitter *f, mf_error *err)
{
    const mf_model *m = f->model;
    f->param_var = calloc((size_t)m->n_var + 1, sizeof *f->param_var);
    if (!f->param_var)
        return mf_error_nomem(err, "the table of parameters",
                              ((size_t)m->n_var + 1) * sizeof *f->param_var);
    for (int v = 0; v < m->n_var; v++)
        if (m->var[v].kind == MF_VAR_PARAM)
            f->param_var[f->n_params++] = v;
    if (f->n_params == 0)
        return mf_error_set(err, MF_ERR_INVALID,
                            "the model has no parameter to fit: declare one as "
                            "`p : unit (constant)`");
    return MF_OK;
}

static mf_status find_outputs(mf_fitter *f, mf_error *err)
{
    const mf_fitter_spec *s = f->spec;
    f->out = calloc((size_t)s->n_outputs + 1, sizeof *f->out);
    if (!f->out)
        return mf_error_nomem(err, "the table of outputs",
                              ((size_t)s->n_outputs + 1) * sizeof *f->out);
    for (int i = 0; i < s->n_outputs; i++) {
        fit_output *o = &f->out[i];
        o->name = s->outputs[i].name;
        o->target = s->outputs[i].v;
        mf_status rc = mf_fit_find(f->model, o->name, &o->q, &o->dim, err);
        if (rc != MF_OK)
            return rc;
        char a[64], b[64];
        if (!mf_dim_eq(o->dim, s->outputs[i].dim))
            return mf_error_set(err, MF_ERR_UNITS,
                                "output %s: the target traces have unit %s but %s has unit %s",
                                o->name, mf_dim_format(s->outputs[i].dim, a, sizeof a), o->name,
                                mf_dim_format(o->dim, b, sizeof b));
        f->n_out++;
    }
    if (s->penalty) {
        mf_status rc = mf_fit_find(f->model, s->penalty, &f->penalty, &f->penalty_dim, err);
        if (rc != MF_OK) {
            mf_error_prefix(err, "penalty");
            return rc;
        }
        f->has_penalty = true;
    }
    return MF_OK;
}

/* --- series ------------------------------------------------------------------------ */

static mf_status lay_out_series(mf_fitter *f, mf_error *err)
{
    const mf_fitter_spec *s = f->spec;
    f->series = calloc((size_t)(s->n_inputs + s->n_outputs) + 1, sizeof *f->series);
    if (!f->series)
        return mf_error_nomem(err, "the table of series",
                              ((size_t)(s->n_inputs + s->n_outputs) + 1) * sizeof *f->series);
    for (int i = 0; i < s->n_inputs; i++)
        f->series[i] = s->inputs[i].v;
    for (int i = 0; i < s->n_outputs; i++)
        f->series[s->n_inputs + i] = s->outputs[i].v;
    return MF_OK;
}

/* --- mf_fitter_new ------------------------------------------------------------------ */

static mf_status build(mf_fitter *f, mf_error *err)
{
    const mf_fitter_spec *s = f->spec;
    mf_status rc = check_kind(s, err);
    if (rc == MF_OK)
        rc = check_shapes(s, &f->n_traces, &f->n_steps, err);
    if (rc == MF_OK)
        rc = check_finite(s, err);
    if (rc == MF_OK)
        rc = plan_namespace(f, err);
    if (rc == MF_OK)
        rc = mf_fitter_compile(f, NULL, 0, NULL, NULL, &f->model, err);
    if (rc == MF_OK)
        rc = check_inputs_used(f, err);
    if (rc == MF_OK)
        rc = find_params(f, err);
    if (rc == MF_OK)
        rc = find_outputs(f, err);
    if (rc == MF_OK)
        rc = lay_out_series(f, err);
    if (rc != MF_OK)
        return rc;
    mf_engine_options opt = mf_engine_options_for(f->ctx);
    return mf_engine_new(f->model, f->dt, &opt, &f->engine, err);
}

mf_status mf_fitter_new(mf_context *ctx, const mf_fitter_spec *spec, mf_fitter **out,
                        mf_error *err)
{
    if (!out)
        return mf_error_set(err, MF_ERR_INVALID, "mf_fitter_new: out is NULL");
    *out = NULL;
    if (!spec)
        return mf_error_set(err, MF_ERR_INVALID, "mf_fitter_new: no spec");
    if (!ctx)
        return mf_error_set(err, MF_ERR_INVALID,
                            "mf_fitter_new: no context (it gives the plugins and threads)");
    mf_fitter *f = calloc(1, sizeof *f);
    if (!f)
        return mf_error_nomem(err, "a fitter", sizeof *f);
    f->ctx = ctx;
    f->kind = spec->kind;
    f->dt = spec->dt;
    f->n_samples = spec->n_samples;
    f->best = -1;
    f->last_iteration = -1;
    f->evaluate = mf_fitter_evaluate;
    f->spike_name = "spikes";
    mf_status rc = mf_fitter_spec_copy(spec, &f->spec, err);
    if (rc == MF_OK)
        rc = build(f, err);
    if (rc != MF_OK) {
        mf_fitter_free(f);
        return rc;
    }
    *out = f;
    return MF_OK;
}

void mf_fitter_free(mf_fitter *f)
{
    if (!f)
        return;
    for (int i = 0; f->metrics && i < f->n_metrics; i++) {
        mf_metric_free(f->metrics[i].owned);
        free(f->metrics[i].coef);
    }
    free(f->metrics);
    mf_fit_guard_free(f->guard);
    mf_fitter_work_free(&f->work, f->n_out);
    mf_fit_history_clear(&f->hist);
    free(f->lo);
    free(f->hi);
    free(f->out);
    free(f->param_var);
    free(f->series);
    mf_engine_free(f->engine);
    mf_model_free(f->model);
    free(f->in_defs);
    free(f->tgt_names);
    free(f->const_defs);
    mf_fitter_spec_free(f->spec);
    free(f);
}

/* --- shared helpers ---------------------------------------------------------------- */

void mf_fitter_param_columns(const mf_fitter *f, int n_points, const double *points,
                             double *cols, const double **values)
{
    for (int v = 0; v < f->model->n_var; v++)
        values[v] = NULL;
    for (int p = 0; p < f->n_params; p++) {
        double *c = cols + (size_t)p * (size_t)n_points;
        for (int i = 0; i < n_points; i++)
            c[i] = points[(size_t)i * (size_t)f->n_params + (size_t)p];
        values[f->param_var[p]] = c;
    }
}

mf_status mf_fitter_start_optimizer(const mf_fitter *f, mf_optimizer *opt, const double *lo,
                                    const double *hi, mf_error *err)
{
    const char **names = calloc((size_t)f->n_params + 1, sizeof *names);
    if (!names)
        return mf_error_nomem(err, "the parameters' names",
                              ((size_t)f->n_params + 1) * sizeof *names);
    for (int i = 0; i < f->n_params; i++)
        names[i] = mf_fitter_param_name(f, i);
    mf_status rc = mf_optimizer_start(opt, (uint32_t)f->n_params, names, lo, hi, err);
    free(names);
    return rc;
}

/* --- accessors ---------------------------------------------------------------------- */

/* The accessors' neutral values for a NULL fitter (modelfit/fitter.h):
 * 0, NULL, NaN, -1 for the iteration, a dimensionless unit. */

mf_fitter_kind mf_fitter_get_kind(const mf_fitter *f)
{
    return f ? f->kind : (mf_fitter_kind)0;
}

mf_context *mf_fitter_context(const mf_fitter *f)
{
    return f ? f->ctx : NULL;
}

int mf_fitter_n_samples(const mf_fitter *f)
{
    return f ? f->n_samples : 0;
}

int mf_fitter_n_traces(const mf_fitter *f)
{
    return f ? f->n_traces : 0;
}

long mf_fitter_n_steps(const mf_fitter *f)
{
    return f ? f->n_steps : 0;
}

double mf_fitter_dt(const mf_fitter *f)
{
    return f ? f->dt : NAN;
}

int mf_fitter_n_params(const mf_fitter *f)
{
    return f ? f->n_params : 0;
}

const char *mf_fitter_param_name(const mf_fitter *f, int i)
{
    return f && i >= 0 && i < f->n_params ? f->model->var[f->param_var[i]].name : NULL;
}

mf_quantity mf_fitter_param_unit(const mf_fitter *f, int i)
{
    if (!f || i < 0 || i >= f->n_params)
        return unit_of(mf_dim_none());
    return unit_of(f->model->var[f->param_var[i]].dim);
}

int mf_fitter_n_outputs(const mf_fitter *f)
{
    if (!f)
        return 0;
    return f->kind == MF_FITTER_SPIKES ? 1 : f->n_out;
}

const char *mf_fitter_output_name(const mf_fitter *f, int i)
{
    if (!f)
        return NULL;
    if (f->kind == MF_FITTER_SPIKES)
        return i == 0 ? f->spike_name : NULL;
    return i >= 0 && i < f->n_out ? f->out[i].name : NULL;
}

mf_quantity mf_fitter_error_unit(const mf_fitter *f)
{
    return unit_of(f && f->metrics ? f->error_dim : mf_dim_none());
}

mf_quantity mf_fitter_output_error_unit(const mf_fitter *f, int output, bool normalized)
{
    if (!f || !f->metrics || output < 0 || output >= f->n_metrics)
        return unit_of(mf_dim_none());
    return unit_of(normalized ? f->metrics[output].norm_dim : f->metrics[output].raw_dim);
}

const char *mf_fitter_stop_reason(const mf_fitter *f)
{
    return f && f->stopped ? f->stop_reason : NULL;
}

long mf_fitter_iteration(const mf_fitter *f)
{
    return f ? f->last_iteration : -1;
}
