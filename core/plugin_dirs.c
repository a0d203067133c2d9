/* Where plugins are searched after MODELFIT_PLUGIN_PATH (plugin.h,
 * DESIGN.md section 5): the installed directory, found from the library's
 * own location so that a relocated installation finds its own plugins,
 * and the build tree's, only for the build tree's own library. */
#define _GNU_SOURCE /* dladdr */
#include "plugin.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The file this code was loaded from (realpath), or "" when unknown. The
 * main program's name from dladdr is argv[0]: /proc/self/exe then. */
static void own_file(char *out, size_t n)
{
    Dl_info info;
    char *real = NULL;
    out[0] = '\0';
    if (dladdr((void *)mf_plugin_dirs_get, &info) && info.dli_fname && info.dli_fname[0]) {
        const char *slash = strrchr(info.dli_fname, '/');
        const char *base = slash ? slash + 1 : info.dli_fname;
        if (strncmp(base, "libmodelfit.", 12) == 0)
            real = realpath(info.dli_fname, NULL);
    }
    if (!real)
        real = realpath("/proc/self/exe", NULL);
    if (real && strlen(real) < n)
        snprintf(out, n, "%s", real);
    free(real);
}

static bool is_library(const char *file)
{
    const char *slash = strrchr(file, '/');
    return slash && strncmp(slash + 1, "libmodelfit.", 12) == 0;
}

/* True when path is dir or lies inside it (both real paths). */
static bool inside(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    return n > 0 && strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

void mf_plugin_dirs_get(mf_plugin_dirs *out)
{
    char file[PATH_MAX];
    own_file(file, sizeof file);
    snprintf(out->install, sizeof out->install, "%s", MF_PLUGIN_INSTALL_DIR);
    out->build[0] = '\0';
    bool in_build;
    if (is_library(file)) {
        char *built = realpath(MF_LIBRARY_BUILD_FILE, NULL);
        in_build = built && strcmp(built, file) == 0;
        free(built);
        /* An installed libmodelfit.so in <libdir>, wherever the
         * installation was moved: <libdir>/modelfit/plugins. */
        size_t dir = (size_t)(strrchr(file, '/') - file);
        if (!in_build)
            snprintf(out->install, sizeof out->install, "%.*s/modelfit/plugins", (int)dir,
                     file);
    } else {
        /* Linked statically (tests, benchmarks): a program of the build
         * tree uses its plugins; the installed path is the configured one. */
        char *tree = realpath(MF_BUILD_TREE, NULL);
        in_build = tree && inside(file, tree);
        free(tree);
    }
    if (in_build)
        snprintf(out->build, sizeof out->build, "%s", MF_PLUGIN_BUILD_DIR);
}
