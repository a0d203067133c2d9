/* modelfit: the command-line host. Verbs live in their own files. */
#include "verbs.h"

#include "modelfit/modelfit.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const mf_verb verbs[] = {
    {"check", "parse and unit-check a model file, print its variables",
     "usage: modelfit check MODEL_FILE [--const NAME=QUANTITY ...] [--input NAME:UNIT ...]\n"
     "  Parses the Brian 2 equations in MODEL_FILE, checks every unit and prints the\n"
     "  state variables, subexpressions, parameters and inputs with their units.\n"
     "  --const El=-65*mV   defines a constant the equations use (Brian's namespace)\n"
     "  --input I:amp       declares an input trace the fitter will supply\n"
     "  Exit status 0 when the model is valid, 1 otherwise.\n",
     mf_verb_check},
    {"plugins", "list the optimizer and metric plugins, or one plugin's options",
     "usage: modelfit plugins [NAME]\n"
     "  Without NAME: every plugin found (name, kind, version, ABI, file, summary).\n"
     "  With NAME: its options with types, defaults, units and help.\n"
     "  Plugins are searched in MODELFIT_PLUGIN_PATH, then the installed directory.\n",
     mf_verb_plugins},
    {"run", "run a fit script (Lua 5.4)",
     "usage: modelfit run [--resume] SCRIPT.lua [ARGS...]\n"
     "  Runs SCRIPT.lua with `require \"modelfit\"` available and ARGS in `arg`.\n"
     "  --resume  fits with a checkpoint continue from it (as resume = true)\n"
     "  SIGINT or SIGTERM during a fit: the fit writes its checkpoint and the run\n"
     "  exits with status 130 or 143 and a line saying how to resume. A fit with\n"
     "  no checkpoint option gets SCRIPT.ckpt (when its optimizer can save) and\n"
     "  SCRIPT.results.csv in the current directory; --resume finds SCRIPT.ckpt.\n",
     mf_verb_run},
};
enum { N_VERBS = sizeof verbs / sizeof verbs[0] };

int mf_host_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("modelfit: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: modelfit VERB [ARGS...]\n\nverbs:\n");
    for (int i = 0; i < N_VERBS; i++)
        fprintf(out, "  %-8s %s\n", verbs[i].name, verbs[i].summary);
    fprintf(out, "  %-8s %s\n", "help", "show the usage of a verb: modelfit help VERB");
    fprintf(out, "\noptions:\n  --version  print the version\n");
}

static const mf_verb *find_verb(const char *name)
{
    for (int i = 0; i < N_VERBS; i++)
        if (strcmp(verbs[i].name, name) == 0)
            return &verbs[i];
    return NULL;
}

static int help(int argc, char **argv)
{
    if (argc < 2) {
        usage(stdout);
        return 0;
    }
    const mf_verb *v = find_verb(argv[1]);
    if (!v)
        return mf_host_fail("error: unknown verb '%s' (try: modelfit help)", argv[1]);
    fputs(v->usage, stdout);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 1;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("modelfit %s\n", mf_version());
        return 0;
    }
    if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0)
        return help(argc - 1, argv + 1);
    const mf_verb *v = find_verb(argv[1]);
    if (!v)
        return mf_host_fail("error: unknown verb '%s' (try: modelfit help)", argv[1]);
    return v->run(argc - 1, argv + 1);
}
