/* SIGINT / SIGTERM during fits (signals.h). */
#include "signals.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum { PATH_TEXT = 4096, PROBLEM_TEXT = 2048 };

static volatile sig_atomic_t caught;
static int armed;
static struct sigaction old_int, old_term;
static bool resume_on;
static bool had_checkpoint;
static char script_stem[PATH_TEXT];
/* The defaults saved for the interrupted fit ("" when not written). */
static char saved_ckpt[PATH_TEXT], saved_results[PATH_TEXT], save_problem[PROBLEM_TEXT];

static void on_signal(int sig)
{
    caught = sig;
}

void mf_host_signals_arm(void)
{
    if (armed++ > 0)
        return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* One request is enough; a second signal takes the default action. */
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
}

void mf_host_signals_disarm(void)
{
    if (armed == 0 || --armed > 0)
        return;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
}

const volatile sig_atomic_t *mf_host_stop_flag(void)
{
    return &caught;
}

int mf_host_caught_signal(void)
{
    return caught;
}

void mf_host_set_resume(bool on)
{
    resume_on = on;
}

bool mf_host_resume(void)
{
    return resume_on;
}

void mf_host_note_checkpoint(bool has_checkpoint)
{
    had_checkpoint = has_checkpoint;
}

void mf_host_set_script(const char *script)
{
    const char *base = strrchr(script, '/');
    base = base ? base + 1 : script;
    size_t len = strlen(base);
    if (len > 4 && strcmp(base + len - 4, ".lua") == 0)
        len -= 4;
    if (len == 0) { /* "dir/" or ".lua": still a name */
        base = "modelfit";
        len = strlen(base);
    }
    snprintf(script_stem, sizeof script_stem, "%.*s", (int)len, base);
}

char *mf_host_default_file(int serial, const char *suffix, char *buf, size_t n)
{
    const char *stem = script_stem[0] ? script_stem : "modelfit";
    if (serial <= 1)
        snprintf(buf, n, "%s.%s", stem, suffix);
    else
        snprintf(buf, n, "%s.%d.%s", stem, serial, suffix);
    return buf;
}

/* An absolute name for a file of the current directory, as the line shows
 * it (the user may run the resume command from elsewhere). */
static void absolute(const char *name, char *buf, size_t n)
{
    char cwd[PATH_TEXT];
    int w = -1;
    if (name[0] != '/' && getcwd(cwd, sizeof cwd))
        w = snprintf(buf, n, "%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, name);
    if (w < 0 || (size_t)w >= n) /* no directory, or too long a name: as given */
        snprintf(buf, n, "%s", name);
}

void mf_host_note_saved(const char *ckpt, const char *results, const char *problem)
{
    saved_ckpt[0] = saved_results[0] = '\0';
    if (ckpt)
        absolute(ckpt, saved_ckpt, sizeof saved_ckpt);
    if (results)
        absolute(results, saved_results, sizeof saved_results);
    snprintf(save_problem, sizeof save_problem, "%s", problem ? problem : "");
}

/* printf-appends to buf[n] at *used, never past its end. */
static void app(char *buf, size_t n, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void app(char *buf, size_t n, size_t *used, const char *fmt, ...)
{
    if (*used >= n)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *used, n - *used, fmt, ap);
    va_end(ap);
    if (w > 0)
        *used += (size_t)w;
}

/* Appends " word", in single quotes when it holds anything a shell would
 * read specially. */
static void put_word(char *buf, size_t n, size_t *used, const char *s)
{
    bool plain = *s != '\0';
    for (const char *p = s; *p; p++)
        plain = plain && (strchr("+-./:=@_,%", *p) || (*p >= '0' && *p <= '9') ||
                          (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'));
    if (plain) {
        app(buf, n, used, " %s", s);
        return;
    }
    app(buf, n, used, " '");
    for (const char *p = s; *p; p++) {
        if (*p == '\'')
            app(buf, n, used, "'\\''");
        else
            app(buf, n, used, "%c", *p);
    }
    app(buf, n, used, "'");
}

void mf_host_interrupt_line(const char *message, int argc, char **argv, char *buf, size_t n)
{
    const char *name = caught == SIGTERM ? "SIGTERM" : "SIGINT";
    size_t used = 0;
    if (n)
        buf[0] = '\0';
    app(buf, n, &used, "modelfit: interrupted by %s: %s; ", name, message);
    if (!had_checkpoint && !saved_ckpt[0] && !saved_results[0] && !save_problem[0]) {
        app(buf, n, &used,
            "the fit had no checkpoint, so it cannot be resumed (give fitter:fit "
            "checkpoint = \"fit.ckpt\")");
        return;
    }
    if (!had_checkpoint) {
        /* The host saved what it could (mf_host_note_saved). */
        if (saved_ckpt[0] && saved_results[0])
            app(buf, n, &used, "saved the checkpoint '%s' and the results '%s'; ", saved_ckpt,
                saved_results);
        else if (saved_ckpt[0] || saved_results[0])
            app(buf, n, &used, "saved the %s '%s'; ", saved_ckpt[0] ? "checkpoint" : "results",
                saved_ckpt[0] ? saved_ckpt : saved_results);
        if (save_problem[0])
            app(buf, n, &used, "%s%s", save_problem, saved_ckpt[0] ? "; " : "");
        if (!saved_ckpt[0])
            return;
        char cwd[PATH_TEXT];
        app(buf, n, &used, "resume from %s with: modelfit run --resume",
            getcwd(cwd, sizeof cwd) ? cwd : "this directory");
    } else
        app(buf, n, &used, "resume with: modelfit run --resume");
    for (int i = 0; i < argc; i++)
        put_word(buf, n, &used, argv[i]);
}
