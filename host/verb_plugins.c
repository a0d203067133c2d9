/* `modelfit plugins [NAME]`: what gst-inspect is to GStreamer. Without NAME
 * it lists every plugin found (name, kind, version, ABI, file, summary),
 * shadowed ones marked, then the files that were refused and why. With NAME
 * it prints that plugin's options (type, default, unit, range, help)
 * without running it. Public API only. */
#include "verbs.h"

#include "modelfit/modelfit.h"

#include <stdio.h>
#include <string.h>

static void print_entry(const mf_plugin_info *info)
{
    const mf_plugin *d = mf_plugin_info_descriptor(info);
    printf("%-10s %-9s %-8s ABI %u.%u  %s%s\n", d->name, mf_plugin_kind_name(d->kind),
           d->version, (unsigned)(d->abi_version >> 16), (unsigned)(d->abi_version & 0xffff),
           mf_plugin_info_file(info),
           mf_plugin_info_shadowed(info) ? "  [shadowed: an earlier one has this name]" : "");
    printf("           %s\n", d->summary);
}

static int list_all(mf_context *ctx)
{
    size_t n;
    mf_error err;
    if (mf_plugins_count(ctx, &n, &err) != MF_OK)
        return mf_host_fail("%s", err.message);
    if (n == 0)
        printf("no plugins found (searched MODELFIT_PLUGIN_PATH and the installed and build "
               "directories)\n");
    for (size_t i = 0; i < n; i++)
        print_entry(mf_plugins_at(ctx, i));
    size_t n_notes = mf_plugins_refusal_count(ctx);
    if (n_notes > 0)
        printf("\nnot used:\n");
    for (size_t i = 0; i < n_notes; i++)
        printf("  %s\n", mf_plugins_refusal(ctx, i));
    return 0;
}

static void print_option(const mf_option_spec *s, const char *note)
{
    char def[128];
    mf_plugin_option_default(s, def, sizeof def);
    printf("  %-18s %-12s default %s", s->name, mf_plugin_option_type_name(s->type), def);
    if (s->type == MF_OPT_QUANTITY)
        printf(", unit %s", s->unit && *s->unit ? s->unit : "any");
    if (s->flags & (MF_OPT_HAS_MIN | MF_OPT_HAS_MAX)) {
        printf(", range ");
        if (s->flags & MF_OPT_HAS_MIN)
            printf("[%g", s->min);
        else
            printf("(-inf");
        if (s->flags & MF_OPT_HAS_MAX)
            printf(", %g]", s->max);
        else
            printf(", inf)");
    }
    if (s->choices)
        printf(", one of %s", s->choices);
    printf("%s\n      %s\n", note, s->help ? s->help : "");
}

static int show_one(mf_context *ctx, const char *name)
{
    const mf_plugin_info *info;
    mf_error err;
    if (mf_plugins_find(ctx, name, 0, &info, &err) != MF_OK)
        return mf_host_fail("%s", err.message);
    const mf_plugin *d = mf_plugin_info_descriptor(info);
    printf("%s: %s %s (plugin ABI %u.%u)\n  file: %s\n  %s\n", d->name,
           mf_plugin_kind_name(d->kind), d->version, (unsigned)(d->abi_version >> 16),
           (unsigned)(d->abi_version & 0xffff), mf_plugin_info_file(info), d->summary);
    if (d->kind == MF_PLUGIN_METRIC)
        printf("  compares %s; error unit: the variable's to the power %d%s\n",
               d->metric_kind == MF_METRIC_SPIKES ? "spike trains" : "traces",
               (int)d->metric_error_power, d->metric_online_size ? "; has an online form" : "");
    if (d->kind == MF_PLUGIN_OPTIMIZER)
        printf("  checkpoints: %s\n", d->optimizer_save ? "yes (save/load)" : "no");
    printf("\noptions:\n");
    if (d->n_options == 0 && d->kind != MF_PLUGIN_OPTIMIZER)
        printf("  (none)\n");
    for (uint32_t i = 0; i < d->n_options; i++)
        print_option(&d->options[i], "");
    if (d->kind == MF_PLUGIN_OPTIMIZER) {
        size_t n_host;
        const mf_option_spec *host = mf_optimizer_host_options(&n_host);
        for (size_t i = 0; i < n_host; i++)
            print_option(&host[i], " (every optimizer)");
    }
    return 0;
}

int mf_verb_plugins(int argc, char **argv)
{
    if (argc > 2)
        return mf_host_fail("error: usage: modelfit plugins [NAME]");
    mf_context *ctx;
    mf_error err;
    if (mf_context_new(&ctx, &err) != MF_OK)
        return mf_host_fail("%s", err.message);
    int status = argc == 2 ? show_one(ctx, argv[1]) : list_all(ctx);
    mf_context_free(ctx);
    return status;
}
