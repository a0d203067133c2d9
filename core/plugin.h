/* Internal side of plugins: the registry a context owns (plugin.c), the
 * host services table and per-instance host context (plugin_host.c), shared
 * by the optimizer and metric instances (plugin_optimizer.c,
 * plugin_metric.c).
 *
 * Loader decisions, so they are written down once:
 *   - Directories are listed with readdir and only files ending in ".so" are
 *     tried, sorted by name; lt_dlforeachfile would strip extensions (so a
 *     README would look like a module) and visit files in readdir order,
 *     which would make "first found wins" depend on the file system.
 *   - Files are opened with mf_dl_open (dl.h: libltdl, local symbols):
 *     plugins cannot see each other's symbols.
 *   - A file is loaded at most once per registry (compared by realpath).
 *   - The registry holds every handle open until the context is freed, so
 *     descriptors and option tables can be used by pointer.
 *   - Each open file holds one libltdl reference (dl.h). libltdl is not
 *     thread-safe: all loading happens on the thread that first touches the
 *     registry. */
#ifndef MF_CORE_PLUGIN_H
#define MF_CORE_PLUGIN_H

#include "context.h"
#include "modelfit/plugins.h"
#include "options.h"
#include "rng.h"

#include <stdbool.h>
#include <stddef.h>

/* The ABI 1.0 sizes: the smallest descriptor and option entry accepted,
 * frozen at the 1.0 layout so 1.0 plugins keep loading. A descriptor may
 * not be larger than the version it claims defines: 1.0's size for 1.0,
 * sizeof(mf_plugin) for the current minor (check_header in plugin.c). */
#define MF_PLUGIN_SIZE_1_0      offsetof(mf_plugin, metric_weights)
#define MF_OPTION_SPEC_SIZE_1_0 sizeof(mf_option_spec)

struct mf_plugin_info {
    mf_plugin desc;        /* zero-filled copy; desc.options == specs */
    mf_option_spec *specs; /* owned copy of the table (strings point into the file) */
    char *file;
    uint32_t index; /* the descriptor's index in its file */
    bool shadowed;
};

typedef struct mf_registry {
    bool loaded; /* directories scanned */
    mf_plugin_info **plugins;
    size_t n_plugins, cap_plugins;
    char **refusals;
    size_t n_refusals, cap_refusals;
    void **handles;    /* mf_dl_open handle of every file with accepted plugins */
    char **real_paths; /* realpath of every file tried */
    size_t n_handles, cap_handles, n_paths, cap_paths;
} mf_registry;

/* The context's registry, created and scanned on first use. */
mf_status mf_registry_get(mf_context *ctx, mf_registry **out, mf_error *err);

/* Loads one file (unless already loaded) and registers its plugins; a
 * refusal is recorded and returned as MF_ERR_PLUGIN. *first gets the index
 * of the file's first plugin in the registry (or of its first plugin loaded
 * earlier). */
mf_status mf_registry_load_file(mf_registry *reg, const char *path, size_t *first,
                                mf_error *err);

/* The directories searched after MODELFIT_PLUGIN_PATH, in order
 * (plugin_dirs.c):
 *   install  the installed plugins: <libdir>/modelfit/plugins beside the
 *            libmodelfit.so this code runs in (found with dladdr), so a
 *            relocated installation finds its own; the configure-time
 *            path for the build tree's library and for programs linked
 *            statically (tests, benchmarks);
 *   build    the build tree's plugins, only when this code is the build
 *            tree's: its libmodelfit.so (compared by real path) or a
 *            program inside the build tree; "" otherwise, so an
 *            installation never loads plugins of the tree it was built in. */
typedef struct mf_plugin_dirs {
    char install[4096];
    char build[4096];
} mf_plugin_dirs;
void mf_plugin_dirs_get(mf_plugin_dirs *out);

/* The host context of one plugin instance (declared opaque in plugin.h). */
struct mf_host_ctx {
    const mf_plugin_info *info;
    const mf_context *ctx;
    mf_option_spec *specs; /* owned: the plugin's table + host options */
    mf_resolved_options opts;
    mf_rng rng;
};

/* The per-call error token. */
struct mf_plugin_err {
    bool set;
    char message[512];
};

/* The services table every plugin gets. */
const mf_host *mf_host_table(void);

/* "optimizer 'de'" / "metric 'mse'" into buf; returns buf. */
char *mf_plugin_owner(const mf_plugin_info *info, char *buf, size_t n);

/* Turns a failed callback into an MF_ERR_PLUGIN error (MF_ERR_STOPPED for
 * MF_PLUGIN_EXHAUSTED) naming the plugin, its file and the callback. */
mf_status mf_plugin_fail(mf_error *err, const mf_plugin_info *info, const char *callback,
                         int result, const mf_plugin_err *perr);

/* Initialises a host context: resolves options against the plugin's table
 * followed by `extra` host options (may be NULL/0). */
mf_status mf_host_ctx_init(mf_host_ctx *hc, const mf_context *ctx, const mf_plugin_info *info,
                           const mf_options *opts, const mf_option_spec *extra, size_t n_extra,
                           mf_error *err);
void mf_host_ctx_clear(mf_host_ctx *hc);

/* The options an instance resolved, defaults filled in (for checkpoint
 * fingerprints: the same settings however they were given). */
const mf_resolved_options *mf_optimizer_resolved_options(const mf_optimizer *opt);

/* True when opt is started and owes no tell: neither the errors of asked
 * points nor of points it proposed outside its bounds (plugin_optimizer.c's
 * pending-tell rule). Its state is then a whole number of rounds. */
bool mf_optimizer_between_rounds(const mf_optimizer *opt);
const mf_resolved_options *mf_metric_resolved_options(const mf_metric *metric);

#endif
