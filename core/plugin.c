/* Plugin loading and the registry (decisions in plugin.h). */
#define _XOPEN_SOURCE 700 /* realpath */
#include "plugin.h"

#include "dl.h"
#include "error.h"

#include <dirent.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MF_PLUGIN_SUFFIX ".so"
/* Descriptors per file we look at; a file claiming more is refused. */
#define MF_MAX_PLUGINS_PER_FILE 256

/* ---- small growable arrays --------------------------------------------- */

static bool grow(void **arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return true;
    size_t c = *cap ? 2 * *cap : 8;
    void *p = realloc(*arr, c * elem);
    if (!p)
        return false;
    *arr = p;
    *cap = c;
    return true;
}

static mf_status add_refusal(mf_registry *reg, mf_error *err, const char *fmt, ...)
    MF_PRINTF(3, 4);

/* Records a refusal and returns it as MF_ERR_PLUGIN in err. */
static mf_status add_refusal(mf_registry *reg, mf_error *err, const char *fmt, ...)
{
    mf_error e;
    va_list ap;
    va_start(ap, fmt);
    mf_error_vset(&e, MF_ERR_PLUGIN, NULL, 0, 0, fmt, ap);
    va_end(ap);
    if (err)
        *err = e;
    if (grow((void **)&reg->refusals, &reg->cap_refusals, reg->n_refusals, sizeof(char *))) {
        /* Stored without the "error: " head: a list of notes, not errors. */
        char *copy = strdup(mf_error_body(e.message));
        if (copy)
            reg->refusals[reg->n_refusals++] = copy;
    }
    return MF_ERR_PLUGIN;
}

/* ---- registry lifetime -------------------------------------------------- */

static void info_free(mf_plugin_info *info)
{
    if (!info)
        return;
    free(info->specs);
    free(info->file);
    free(info);
}

void mf_registry_free(struct mf_registry *reg)
{
    if (!reg)
        return;
    for (size_t i = 0; i < reg->n_plugins; i++)
        info_free(reg->plugins[i]);
    free(reg->plugins);
    for (size_t i = 0; i < reg->n_refusals; i++)
        free(reg->refusals[i]);
    free(reg->refusals);
    for (size_t i = 0; i < reg->n_handles; i++)
        mf_dl_close(reg->handles[i]);
    free(reg->handles);
    for (size_t i = 0; i < reg->n_paths; i++)
        free(reg->real_paths[i]);
    free(reg->real_paths);
    free(reg);
}

/* ---- descriptor checks -------------------------------------------------- */

static mf_status check_options(mf_registry *reg, const char *file, mf_plugin_info *info,
                               const mf_plugin *d, mf_error *err)
{
    uint32_t n = d->n_options;
    if (n == 0)
        return MF_OK;
    if (!d->options)
        return add_refusal(reg, err, "%s: plugin '%s' declares %u options but no table", file,
                           info->desc.name, (unsigned)n);
    if (d->option_size < MF_OPTION_SPEC_SIZE_1_0 || d->option_size > sizeof(mf_option_spec))
        return add_refusal(
            reg, err, "%s: plugin '%s' has option entries of %u bytes; ABI %d.%d's are %zu",
            file, info->desc.name, (unsigned)d->option_size, MF_PLUGIN_ABI_MAJOR,
            MF_PLUGIN_ABI_MINOR, sizeof(mf_option_spec));
    info->specs = calloc(n, sizeof *info->specs);
    if (!info->specs)
        return mf_error_set(err, MF_ERR_NOMEM, "out of memory loading %s", file);
    for (uint32_t i = 0; i < n; i++) {
        const char *src = (const char *)d->options + (size_t)i * d->option_size;
        memcpy(&info->specs[i], src, d->option_size);
        mf_error e;
        if (mf_option_spec_check(&info->specs[i], &e) != MF_OK)
            return add_refusal(reg, err, "%s: plugin '%s': %s", file, info->desc.name,
                               mf_error_body(e.message));
        for (uint32_t k = 0; k < i; k++)
            if (strcmp(info->specs[k].name, info->specs[i].name) == 0)
                return add_refusal(reg, err, "%s: plugin '%s' declares option '%s' twice", file,
                                   info->desc.name, info->specs[i].name);
        if (d->kind == MF_PLUGIN_OPTIMIZER && strcmp(info->specs[i].name, "seed") == 0)
            return add_refusal(reg, err,
                               "%s: optimizer '%s' declares option 'seed', which the host "
                               "provides to every optimizer",
                               file, info->desc.name);
    }
    info->desc.options = info->specs;
    info->desc.option_size = sizeof(mf_option_spec);
    return MF_OK;
}

static const char *missing_optimizer_callback(const mf_plugin *d)
{
    if (!d->optimizer_create)
        return "optimizer_create";
    if (!d->optimizer_ask)
        return "optimizer_ask";
    if (!d->optimizer_tell)
        return "optimizer_tell";
    if (!d->optimizer_destroy)
        return "optimizer_destroy";
    if (!d->optimizer_save != !d->optimizer_load)
        return d->optimizer_save ? "optimizer_load (save needs load)"
                                 : "optimizer_save (load needs save)";
    return NULL;
}

static const char *missing_metric_callback(const mf_plugin *d)
{
    if (!d->metric_create)
        return "metric_create";
    if (!d->metric_error)
        return "metric_error";
    if (!d->metric_destroy)
        return "metric_destroy";
    if (d->metric_online_size > 0) {
        if (!d->metric_online_init)
            return "metric_online_init (online_size > 0)";
        if (!d->metric_online_update)
            return "metric_online_update (online_size > 0)";
        if (!d->metric_online_finish)
            return "metric_online_finish (online_size > 0)";
    }
    return NULL;
}

/* ABI 1.1's description of a weighted sum of squares (plugin.h): only for
 * a trace metric of power 2, its normalization a numeric option. Runs after
 * check_options (it reads the copied table). */
static mf_status check_weights(mf_registry *reg, const char *file, const mf_plugin_info *info,
                               mf_error *err)
{
    const mf_plugin *d = &info->desc;
    if (!d->metric_weights)
        return MF_OK;
    if (d->kind != MF_PLUGIN_METRIC || d->metric_kind != MF_METRIC_TRACES ||
        d->metric_error_power != 2)
        return add_refusal(reg, err,
                           "%s: %s '%s' has metric_weights, which describe a trace metric of "
                           "error power 2 (a weighted sum of squares)",
                           file, mf_plugin_kind_name(d->kind), d->name);
    if (!d->metric_normalization)
        return MF_OK;
    for (uint32_t i = 0; i < d->n_options; i++)
        if (strcmp(info->specs[i].name, d->metric_normalization) == 0 &&
            (info->specs[i].type == MF_OPT_QUANTITY || info->specs[i].type == MF_OPT_DOUBLE))
            return MF_OK;
    return add_refusal(reg, err,
                       "%s: metric '%s' names '%s' as its metric_normalization, which is not "
                       "a quantity or double option of its table",
                       file, d->name, d->metric_normalization);
}

static mf_status check_callbacks(mf_registry *reg, const char *file, const mf_plugin *d,
                                 mf_error *err)
{
    const char *missing;
    if (d->kind == MF_PLUGIN_OPTIMIZER) {
        missing = missing_optimizer_callback(d);
    } else {
        if (d->metric_kind != MF_METRIC_TRACES && d->metric_kind != MF_METRIC_SPIKES)
            return add_refusal(reg, err,
                               "%s: metric '%s' has metric_kind %u (want MF_METRIC_TRACES or "
                               "MF_METRIC_SPIKES)",
                               file, d->name, (unsigned)d->metric_kind);
        if (d->metric_online_size % 8 != 0)
            return add_refusal(reg, err,
                               "%s: metric '%s' has metric_online_size %u, not a multiple of 8",
                               file, d->name, (unsigned)d->metric_online_size);
        missing = missing_metric_callback(d);
    }
    if (missing)
        return add_refusal(reg, err, "%s: %s '%s' lacks the required callback %s", file,
                           mf_plugin_kind_name(d->kind), d->name, missing);
    return MF_OK;
}

static bool valid_name(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || *s == '/' || (unsigned char)*s >= 127)
            return false;
    return true;
}

/* Version and size of a raw descriptor, before anything else is read. */
static mf_status check_header(mf_registry *reg, const char *file, uint32_t index,
                              const mf_plugin *d, mf_error *err)
{
    unsigned major = d->abi_version >> 16, minor = d->abi_version & 0xffff;
    if (major != MF_PLUGIN_ABI_MAJOR || minor > MF_PLUGIN_ABI_MINOR)
        return add_refusal(reg, err,
                           "%s: plugin #%u uses plugin ABI %u.%u, but this modelfit supports "
                           "ABI %d.%d (and older %d.x): rebuild it against this modelfit's "
                           "<modelfit/plugin.h>",
                           file, (unsigned)index, major, minor, MF_PLUGIN_ABI_MAJOR,
                           MF_PLUGIN_ABI_MINOR, MF_PLUGIN_ABI_MAJOR);
    /* Each minor's size: 1.0's frozen, the current one ours. */
    size_t claimed = minor == 0 ? MF_PLUGIN_SIZE_1_0 : sizeof(mf_plugin);
    if (d->struct_size > claimed)
        return add_refusal(reg, err,
                           "%s: plugin #%u has a descriptor of %u bytes, larger than the %zu "
                           "bytes ABI %u.%u defines",
                           file, (unsigned)index, (unsigned)d->struct_size, claimed, major,
                           minor);
    if (d->struct_size < MF_PLUGIN_SIZE_1_0)
        return add_refusal(
            reg, err,
            "%s: plugin #%u has a descriptor of %u bytes, smaller than ABI 1.0's "
            "%zu bytes",
            file, (unsigned)index, (unsigned)d->struct_size, MF_PLUGIN_SIZE_1_0);
    return MF_OK;
}

/* Validates descriptor `index` and builds its info. */
static mf_status make_info(mf_registry *reg, const char *file, uint32_t index,
                           const mf_plugin *d, mf_plugin_info **out, mf_error *err)
{
    mf_status st = check_header(reg, file, index, d, err);
    if (st)
        return st;
    mf_plugin_info *info = calloc(1, sizeof *info);
    if (!info)
        return mf_error_set(err, MF_ERR_NOMEM, "out of memory loading %s", file);
    memcpy(&info->desc, d, d->struct_size); /* OBS style: the rest stays zero */
    info->index = index;
    info->desc.options = NULL;
    if (!valid_name(info->desc.name))
        st = add_refusal(reg, err, "%s: plugin #%u has an empty or invalid name", file,
                         (unsigned)index);
    else if (info->desc.kind != MF_PLUGIN_OPTIMIZER && info->desc.kind != MF_PLUGIN_METRIC)
        st = add_refusal(reg, err, "%s: plugin '%s' has unknown kind %u", file, info->desc.name,
                         (unsigned)info->desc.kind);
    if (!st)
        st = check_callbacks(reg, file, &info->desc, err);
    if (!st)
        st = check_options(reg, file, info, d, err);
    if (!st)
        st = check_weights(reg, file, info, err);
    if (!st && !(info->file = strdup(file)))
        st = mf_error_set(err, MF_ERR_NOMEM, "out of memory loading %s", file);
    if (st) {
        info_free(info);
        return st;
    }
    if (!info->desc.version)
        info->desc.version = "";
    if (!info->desc.summary)
        info->desc.summary = "";
    *out = info;
    return MF_OK;
}

/* ---- loading a file ----------------------------------------------------- */

static const mf_plugin_info *find_active(const mf_registry *reg, const char *name,
                                         uint32_t kind)
{
    for (size_t i = 0; i < reg->n_plugins; i++) {
        const mf_plugin_info *p = reg->plugins[i];
        if (!p->shadowed && p->desc.kind == kind && strcmp(p->desc.name, name) == 0)
            return p;
    }
    return NULL;
}

static mf_status register_info(mf_registry *reg, mf_plugin_info *info, mf_error *err)
{
    if (!grow((void **)&reg->plugins, &reg->cap_plugins, reg->n_plugins, sizeof(void *))) {
        info_free(info);
        return mf_error_set(err, MF_ERR_NOMEM, "out of memory loading plugins");
    }
    const mf_plugin_info *first = find_active(reg, info->desc.name, info->desc.kind);
    if (first) {
        info->shadowed = true;
        /* Reported, not fatal: `modelfit plugins` lists the shadowed one. */
        add_refusal(reg, NULL, "%s: %s '%s' is shadowed by the one in %s (first found wins)",
                    info->file, mf_plugin_kind_name(info->desc.kind), info->desc.name,
                    first->file);
    }
    reg->plugins[reg->n_plugins++] = info;
    return MF_OK;
}

typedef const mf_plugin *(*mf_entry_fn)(uint32_t);

/* Registers the descriptors of an opened file. Returns how many. */
static size_t register_file(mf_registry *reg, const char *file, mf_entry_fn entry,
                            mf_error *err)
{
    size_t accepted = 0;
    uint32_t index = 0;
    for (; index < MF_MAX_PLUGINS_PER_FILE; index++) {
        const mf_plugin *d = entry(index);
        if (!d)
            break;
        mf_plugin_info *info = NULL;
        if (make_info(reg, file, index, d, &info, err) == MF_OK &&
            register_info(reg, info, err) == MF_OK)
            accepted++;
    }
    if (index == 0)
        add_refusal(reg, err, "%s: mf_plugin_entry(0) returned NULL: the file has no plugin",
                    file);
    else if (index == MF_MAX_PLUGINS_PER_FILE)
        add_refusal(reg, err, "%s: more than %d plugins; the rest are ignored", file,
                    MF_MAX_PLUGINS_PER_FILE);
    return accepted;
}

static bool already_tried(mf_registry *reg, const char *real, size_t *first)
{
    for (size_t i = 0; i < reg->n_paths; i++) {
        if (strcmp(reg->real_paths[i], real) != 0)
            continue;
        *first = SIZE_MAX;
        for (size_t k = 0; k < reg->n_plugins && *first == SIZE_MAX; k++) {
            char r[PATH_MAX];
            if (realpath(reg->plugins[k]->file, r) && strcmp(r, real) == 0)
                *first = k;
        }
        return true;
    }
    return false;
}

/* Opens by the real path, so libltdl does not search its own path list;
 * messages use the path as the user gave it. */
static mf_status open_file(mf_registry *reg, const char *real, const char *path, void **out,
                           mf_error *err)
{
    char why[512];
    *out = mf_dl_open(real, why, sizeof why);
    if (!*out)
        return add_refusal(reg, err, "%s: cannot be loaded: %s", path, why);
    return MF_OK;
}

mf_status mf_registry_load_file(mf_registry *reg, const char *path, size_t *first,
                                mf_error *err)
{
    char real[PATH_MAX];
    if (!realpath(path, real))
        return mf_error_set(err, MF_ERR_IO, "plugin file '%s' does not exist", path);
    size_t dummy;
    if (!first)
        first = &dummy;
    if (already_tried(reg, real, first)) {
        if (*first != SIZE_MAX)
            return MF_OK;
        /* Refused before: give the reason again. */
        for (size_t i = 0; i < reg->n_refusals; i++)
            if (strncmp(reg->refusals[i], path, strlen(path)) == 0)
                return mf_error_set(err, MF_ERR_PLUGIN, "%s", reg->refusals[i]);
        return mf_error_set(err, MF_ERR_PLUGIN, "%s was refused (see `modelfit plugins`)",
                            path);
    }
    if (!grow((void **)&reg->real_paths, &reg->cap_paths, reg->n_paths, sizeof(char *)) ||
        !(reg->real_paths[reg->n_paths] = strdup(real)))
        return mf_error_set(err, MF_ERR_NOMEM, "out of memory loading %s", path);
    reg->n_paths++;
    void *h = NULL;
    mf_status st = open_file(reg, real, path, &h, err);
    if (st)
        return st;
    mf_entry_fn entry;
    /* dlsym returns a data pointer; the copy converts it to a function pointer. */
    void *sym = mf_dl_sym(h, "mf_plugin_entry");
    memcpy(&entry, &sym, sizeof entry);
    if (!sym) {
        mf_dl_close(h);
        return add_refusal(reg, err,
                           "%s: no symbol mf_plugin_entry: not a modelfit plugin (export it "
                           "with MF_PLUGIN_EXPORT)",
                           path);
    }
    size_t before = reg->n_plugins;
    mf_error ferr;
    mf_error_clear(&ferr);
    size_t accepted = register_file(reg, path, entry, &ferr);
    if (accepted == 0 ||
        !grow((void **)&reg->handles, &reg->cap_handles, reg->n_handles, sizeof(void *))) {
        /* Nothing of it is used (or no room to remember it): unload now. */
        for (size_t i = before; i < reg->n_plugins; i++)
            info_free(reg->plugins[i]);
        reg->n_plugins = before;
        mf_dl_close(h);
        if (err)
            *err = ferr;
        return ferr.status ? ferr.status : MF_ERR_NOMEM;
    }
    reg->handles[reg->n_handles++] = h;
    *first = before;
    return MF_OK;
}

/* ---- scanning the search path ------------------------------------------ */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n > k && strcmp(s + n - k, suffix) == 0;
}

/* Loads every *.so of dir, in name order. A missing directory is fine. */
static mf_status scan_dir(mf_registry *reg, const char *dir, mf_error *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return MF_OK;
    char **names = NULL;
    size_t n = 0, cap = 0;
    mf_status st = MF_OK;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || !has_suffix(e->d_name, MF_PLUGIN_SUFFIX))
            continue;
        if (!grow((void **)&names, &cap, n, sizeof(char *)) ||
            !(names[n] = strdup(e->d_name))) {
            st = mf_error_set(err, MF_ERR_NOMEM, "out of memory scanning %s", dir);
            break;
        }
        n++;
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++) {
        char path[PATH_MAX];
        if (st == MF_OK &&
            snprintf(path, sizeof path, "%s/%s", dir, names[i]) < (int)sizeof path) {
            mf_status fst = mf_registry_load_file(reg, path, NULL, NULL);
            if (fst == MF_ERR_NOMEM)
                st = mf_error_set(err, MF_ERR_NOMEM, "out of memory loading %s", path);
        }
        free(names[i]);
    }
    free(names);
    return st;
}

/* The directories in search order, with duplicates removed. */
static mf_status scan_all(mf_registry *reg, mf_error *err)
{
    const char *env = getenv("MODELFIT_PLUGIN_PATH");
    char *path = strdup(env ? env : "");
    if (!path)
        return mf_error_nomem(err, "a copy of MODELFIT_PLUGIN_PATH",
                              strlen(env ? env : "") + 1);
    mf_status st = MF_OK;
    char *save = NULL;
    for (char *dir = strtok_r(path, ":", &save); dir && !st; dir = strtok_r(NULL, ":", &save))
        st = scan_dir(reg, dir, err);
    free(path);
    mf_plugin_dirs dirs;
    mf_plugin_dirs_get(&dirs);
    if (!st)
        st = scan_dir(reg, dirs.install, err);
    if (!st && dirs.build[0])
        st = scan_dir(reg, dirs.build, err);
    return st;
}

mf_status mf_registry_get(mf_context *ctx, mf_registry **out, mf_error *err)
{
    if (!ctx)
        return mf_error_set(err, MF_ERR_INVALID, "plugins: the context is NULL");
    if (!ctx->registry) {
        mf_registry *reg = calloc(1, sizeof *reg);
        if (!reg)
            return mf_error_set(err, MF_ERR_NOMEM,
                                "out of memory creating the plugin registry");
        ctx->registry = reg;
    }
    mf_registry *reg = ctx->registry;
    if (!reg->loaded) {
        reg->loaded = true;
        mf_status st = scan_all(reg, err);
        if (st)
            return st;
    }
    *out = reg;
    return MF_OK;
}

/* ---- public registry API ------------------------------------------------ */

mf_status mf_plugins_count(mf_context *ctx, size_t *n, mf_error *err)
{
    mf_registry *reg = NULL;
    mf_status st = mf_registry_get(ctx, &reg, err);
    if (n)
        *n = st ? 0 : reg->n_plugins;
    return st;
}

const mf_plugin_info *mf_plugins_at(const mf_context *ctx, size_t i)
{
    if (!ctx || !ctx->registry || i >= ctx->registry->n_plugins)
        return NULL;
    return ctx->registry->plugins[i];
}

size_t mf_plugins_refusal_count(const mf_context *ctx)
{
    return ctx && ctx->registry ? ctx->registry->n_refusals : 0;
}

const char *mf_plugins_refusal(const mf_context *ctx, size_t i)
{
    if (!ctx || !ctx->registry || i >= ctx->registry->n_refusals)
        return NULL;
    return ctx->registry->refusals[i];
}

static bool names_a_file(const char *name)
{
    return strchr(name, '/') || has_suffix(name, MF_PLUGIN_SUFFIX);
}

/* "de, grid, random" of one kind (active ones only). */
static void list_plugins(const mf_registry *reg, uint32_t kind, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < reg->n_plugins && used < cap; i++) {
        const mf_plugin_info *p = reg->plugins[i];
        if (p->shadowed || (kind && p->desc.kind != kind))
            continue;
        int w = snprintf(buf + used, cap - used, "%s%s", used ? ", " : "", p->desc.name);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    if (!buf[0])
        snprintf(buf, cap, "none");
}

static mf_status find_in_file(mf_registry *reg, const char *path, uint32_t kind,
                              const mf_plugin_info **out, mf_error *err)
{
    size_t first;
    mf_status st = mf_registry_load_file(reg, path, &first, err);
    if (st)
        return st;
    char real[PATH_MAX], r[PATH_MAX];
    if (!realpath(path, real))
        return mf_error_set(err, MF_ERR_IO, "plugin file '%s' does not exist", path);
    for (size_t i = first; i < reg->n_plugins; i++) {
        const mf_plugin_info *p = reg->plugins[i];
        if (!realpath(p->file, r) || strcmp(r, real) != 0)
            continue;
        if (!kind || p->desc.kind == kind) {
            *out = p;
            return MF_OK;
        }
    }
    return mf_error_set(err, MF_ERR_NAME, "%s has no %s plugin", path,
                        kind ? mf_plugin_kind_name(kind) : "");
}

mf_status mf_plugins_find(mf_context *ctx, const char *name, uint32_t kind,
                          const mf_plugin_info **out, mf_error *err)
{
    if (!name || !*name || !out)
        return mf_error_set(err, MF_ERR_INVALID, "plugins: no plugin name given");
    mf_registry *reg = NULL;
    mf_status st = mf_registry_get(ctx, &reg, err);
    if (st)
        return st;
    if (names_a_file(name))
        return find_in_file(reg, name, kind, out, err);
    for (size_t i = 0; i < reg->n_plugins; i++) {
        const mf_plugin_info *p = reg->plugins[i];
        if (!p->shadowed && (!kind || p->desc.kind == kind) &&
            strcmp(p->desc.name, name) == 0) {
            *out = p;
            return MF_OK;
        }
    }
    char avail[512];
    list_plugins(reg, kind, avail, sizeof avail);
    const char *what = kind ? mf_plugin_kind_name(kind) : "plugin";
    mf_plugin_dirs dirs;
    mf_plugin_dirs_get(&dirs);
    return mf_error_set(err, MF_ERR_NAME,
                        "no %s named '%s'; available: %s (searched MODELFIT_PLUGIN_PATH, "
                        "%.1000s%s%.1000s)",
                        what, name, avail, dirs.install, dirs.build[0] ? ", " : "", dirs.build);
}

const mf_plugin *mf_plugin_info_descriptor(const mf_plugin_info *info)
{
    return info ? &info->desc : NULL;
}

const char *mf_plugin_info_file(const mf_plugin_info *info)
{
    return info ? info->file : NULL;
}

bool mf_plugin_info_shadowed(const mf_plugin_info *info)
{
    return info && info->shadowed;
}

const char *mf_plugin_kind_name(uint32_t kind)
{
    switch (kind) {
    case MF_PLUGIN_OPTIMIZER: return "optimizer";
    case MF_PLUGIN_METRIC: return "metric";
    }
    return "plugin";
}

char *mf_plugin_option_default(const mf_option_spec *s, char *buf, size_t n)
{
    if (!buf || n == 0)
        return buf;
    buf[0] = '\0';
    if (!s)
        return buf;
    if (s->flags & MF_OPT_REQUIRED) {
        snprintf(buf, n, "(required)");
        return buf;
    }
    bool any;
    mf_dim dim;
    switch (s->type) {
    case MF_OPT_DOUBLE: snprintf(buf, n, "%g", s->default_number); break;
    case MF_OPT_INT: snprintf(buf, n, "%.0f", s->default_number); break;
    case MF_OPT_BOOL: snprintf(buf, n, "%s", s->default_number != 0 ? "true" : "false"); break;
    case MF_OPT_STRING:
        snprintf(buf, n, "\"%s\"", s->default_string ? s->default_string : "");
        break;
    case MF_OPT_QUANTITY:
        if (mf_option_unit_dim(s->unit, &any, &dim, NULL) == MF_OK && !any)
            mf_quantity_format(s->default_number, dim, buf, n);
        else
            snprintf(buf, n, "%g", s->default_number);
        break;
    case MF_OPT_DOUBLE_ARRAY: snprintf(buf, n, "[]"); break;
    default: snprintf(buf, n, "?"); break;
    }
    return buf;
}
