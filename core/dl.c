/* Shared objects through libltdl (decisions in dl.h). */
#include "dl.h"

#include <dlfcn.h>
#include <ltdl.h>
#include <stdio.h>

static void *fail(char *why, size_t why_len, const char *reason)
{
    if (why && why_len > 0)
        snprintf(why, why_len, "%s", reason ? reason : "unknown error");
    return NULL;
}

void *mf_dl_open(const char *path, char *why, size_t why_len)
{
    if (lt_dlinit() != 0)
        return fail(why, why_len, lt_dlerror());
    lt_dladvise advise;
    lt_dlhandle h = NULL;
    if (lt_dladvise_init(&advise) == 0) {
        lt_dladvise_local(&advise);
        h = lt_dlopenadvise(path, advise);
        lt_dladvise_destroy(&advise);
    }
    if (h)
        return h;
    /* libltdl reports most failures as "file not found"; the system loader
     * knows the real reason, so ask it. */
    const char *lt_why = lt_dlerror();
    void *probe = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    const char *sys = probe ? NULL : dlerror();
    /* Copied before dlclose or lt_dlexit can overwrite either message. */
    fail(why, why_len, sys ? sys : lt_why);
    if (probe)
        dlclose(probe);
    lt_dlexit();
    return NULL;
}

void *mf_dl_sym(void *h, const char *name)
{
    return h ? lt_dlsym((lt_dlhandle)h, name) : NULL;
}

void mf_dl_close(void *h)
{
    if (!h)
        return;
    lt_dlclose((lt_dlhandle)h);
    lt_dlexit();
}
