/* SIGINT / SIGTERM during fits (signals.h). */
#include "signals.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static volatile sig_atomic_t caught;
static int armed;
static struct sigaction old_int, old_term;
static bool resume_on;
static bool had_checkpoint;

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
    if (!had_checkpoint) {
        app(buf, n, &used,
            "the fit had no checkpoint, so it cannot be resumed (give fitter:fit "
            "checkpoint = \"fit.ckpt\")");
        return;
    }
    app(buf, n, &used, "resume with: modelfit run --resume");
    for (int i = 0; i < argc; i++)
        put_word(buf, n, &used, argv[i]);
}
