/* The figure of a fit, drawn with cairo. Layout, top to bottom: the title,
 * one panel per trace (target in near-black, fitted in red, the same y range
 * for all so traces compare at a glance, time ticks labelled under the last
 * one), then the best error per round on a log axis. Coordinates are in
 * points; a PNG is rendered at 2 pixels a point. */
#include "plot.h"

#include "atomic_file.h"
#include "display_unit.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <cairo.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

enum { MAX_PANELS = 10, UNIT_MAX = 64 };

static const double page_width = 680, margin_left = 72, margin_right = 18;
static const double png_scale = 2.0;
static const double pi = 3.14159265358979323846;
static const char font[] = "sans-serif";

typedef struct rgb {
    double r, g, b;
} rgb;

static const rgb ink = {0.2, 0.2, 0.2};
static const rgb grid = {0.9, 0.9, 0.9};
static const rgb target_color = {0.13, 0.13, 0.13};
static const rgb fitted_color = {0.84, 0.15, 0.16};
static const rgb error_color = {0.12, 0.47, 0.71};
static const rgb note_color = {0.45, 0.45, 0.45};

typedef struct frame {
    double x, y, w, h; /* the plotting area, points */
} frame;

typedef struct axis {
    double lo, hi; /* data range, in display units (log10 of them on a log axis) */
} axis;

typedef struct layout {
    double title_h, panel_h, gap, xlabel_h, error_gap, error_h, height;
    size_t panels;
} layout;

static void set_color(cairo_t *cr, rgb c)
{
    cairo_set_source_rgb(cr, c.r, c.g, c.b);
}

static double map_x(const frame *f, const axis *a, double x)
{
    return f->x + (x - a->lo) / (a->hi - a->lo) * f->w;
}

static double map_y(const frame *f, const axis *a, double y)
{
    return f->y + f->h - (y - a->lo) / (a->hi - a->lo) * f->h;
}

/* ---- text ---------------------------------------------------------------- */

/* Draws text with its anchor at (x, y): ha -1 left, 0 centre, 1 right;
 * va -1 top, 0 middle, 1 baseline. */
static void text_at(cairo_t *cr, double x, double y, const char *s, int ha, int va)
{
    cairo_text_extents_t e;
    cairo_text_extents(cr, s, &e);
    double dx = ha < 0 ? 0 : ha == 0 ? -e.width / 2 - e.x_bearing : -e.width - e.x_bearing;
    double dy = va > 0 ? 0 : va == 0 ? -e.height / 2 - e.y_bearing : -e.y_bearing;
    cairo_move_to(cr, x + dx, y + dy);
    cairo_show_text(cr, s);
}

static void set_font(cairo_t *cr, double size, bool bold)
{
    cairo_select_font_face(cr, font, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

/* A label rotated to read upwards, centred at (x, y). */
static void vertical_text(cairo_t *cr, double x, double y, const char *s)
{
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_rotate(cr, -pi / 2);
    text_at(cr, 0, 0, s, 0, 0);
    cairo_restore(cr);
}

/* ---- ticks ----------------------------------------------------------------- */

/* A step of 1, 2 or 5 times a power of ten giving about `want` ticks. */
static double nice_step(double span, int want)
{
    double raw = span / want;
    double mag = pow(10.0, floor(log10(raw)));
    double norm = raw / mag;
    return (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
}

static void format_tick(double v, double step, char *buf, size_t n)
{
    if (fabs(v) < step * 1e-9)
        v = 0.0; /* no "-0" */
    if (fabs(v) >= 1e6 || step < 1e-4) {
        /* Far from 1: an exponent, with the digits that tell ticks apart. */
        int digits = (int)fmax(1.0, fmin(15.0, log10(fabs(v) / step) + 2));
        snprintf(buf, n, "%.*g", v == 0 ? 1 : digits, v);
        return;
    }
    int decimals = (int)fmax(0.0, -floor(log10(step) + 1e-9));
    snprintf(buf, n, "%.*f", decimals, v);
}

/* Light horizontal grid lines and y tick labels of a linear axis. */
static void y_ticks(cairo_t *cr, const frame *f, const axis *a, bool labels)
{
    double step = nice_step(a->hi - a->lo, f->h > 120 ? 5 : 4);
    set_font(cr, 8.5, false);
    for (double v = ceil(a->lo / step) * step; v <= a->hi + step * 1e-9; v += step) {
        double y = map_y(f, a, v);
        set_color(cr, grid);
        cairo_set_line_width(cr, 0.5);
        cairo_move_to(cr, f->x, y);
        cairo_line_to(cr, f->x + f->w, y);
        cairo_stroke(cr);
        set_color(cr, ink);
        cairo_set_line_width(cr, 0.6);
        cairo_move_to(cr, f->x - 3, y);
        cairo_line_to(cr, f->x, y);
        cairo_stroke(cr);
        char label[32];
        format_tick(v, step, label, sizeof label);
        if (labels)
            text_at(cr, f->x - 5, y, label, 1, 0);
    }
}

static void x_ticks(cairo_t *cr, const frame *f, const axis *a, bool labels, bool integers)
{
    double step = nice_step(a->hi - a->lo, 8);
    if (integers && step < 1)
        step = 1;
    set_font(cr, 8.5, false);
    set_color(cr, ink);
    cairo_set_line_width(cr, 0.6);
    for (double v = ceil(a->lo / step) * step; v <= a->hi + step * 1e-9; v += step) {
        double x = map_x(f, a, v);
        cairo_move_to(cr, x, f->y + f->h);
        cairo_line_to(cr, x, f->y + f->h + 3);
        cairo_stroke(cr);
        char label[32];
        format_tick(v, step, label, sizeof label);
        if (labels)
            text_at(cr, x, f->y + f->h + 5, label, 0, -1);
    }
}

/* The left and bottom spines only: a quiet frame. */
static void spines(cairo_t *cr, const frame *f)
{
    set_color(cr, ink);
    cairo_set_line_width(cr, 0.7);
    cairo_move_to(cr, f->x, f->y);
    cairo_line_to(cr, f->x, f->y + f->h);
    cairo_line_to(cr, f->x + f->w, f->y + f->h);
    cairo_stroke(cr);
}

/* ---- data ----------------------------------------------------------------- */

typedef struct series {
    const double *v; /* n values, SI */
    size_t n;
    double x_step;  /* display units of x per sample */
    double y_scale; /* SI -> display */
} series;

/* Keeps path coordinates finite and small (cairo's fixed point) while the
 * clip hides what is outside. */
static double clamp_y(const frame *f, double y)
{
    return fmin(fmax(y, f->y - f->h), f->y + 2 * f->h);
}

/* Adds a point to the path, starting a new piece after a gap. */
static void path_point(cairo_t *cr, bool *open, double x, double y)
{
    if (*open)
        cairo_line_to(cr, x, y);
    else
        cairo_move_to(cr, x, y);
    *open = true;
}

/* Long traces are reduced to the minimum and maximum of each bucket of
 * samples (in time order), so a spike keeps its height whatever the zoom,
 * and an SVG stays small. */
static void draw_series(cairo_t *cr, const frame *f, const axis *xa, const axis *ya,
                        const series *s, rgb color)
{
    size_t buckets = (size_t)(f->w * png_scale);
    size_t per = s->n > 4 * buckets ? (s->n + buckets - 1) / buckets : 1;
    bool open = false;
    cairo_save(cr);
    cairo_rectangle(cr, f->x, f->y - 1, f->w, f->h + 2);
    cairo_clip(cr);
    cairo_new_path(cr);
    for (size_t start = 0; start < s->n; start += per) {
        size_t end = start + per < s->n ? start + per : s->n;
        size_t lo = end, hi = end;
        for (size_t i = start; i < end; i++) {
            if (!isfinite(s->v[i]))
                continue;
            if (lo == end || s->v[i] < s->v[lo])
                lo = i;
            if (hi == end || s->v[i] > s->v[hi])
                hi = i;
        }
        if (lo == end) {
            open = false; /* a gap (NaN) */
            continue;
        }
        size_t first = lo < hi ? lo : hi, second = lo < hi ? hi : lo;
        path_point(cr, &open, map_x(f, xa, (double)first * s->x_step),
                   clamp_y(f, map_y(f, ya, s->v[first] * s->y_scale)));
        if (second != first)
            path_point(cr, &open, map_x(f, xa, (double)second * s->x_step),
                       clamp_y(f, map_y(f, ya, s->v[second] * s->y_scale)));
    }
    set_color(cr, color);
    cairo_set_line_width(cr, 0.75);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_stroke(cr);
    cairo_restore(cr);
}

/* The finite minimum and maximum of n values; false when there are none. */
static bool value_range(const double *v, size_t n, double *lo, double *hi)
{
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i]))
            continue;
        if (!any || v[i] < *lo)
            *lo = v[i];
        if (!any || v[i] > *hi)
            *hi = v[i];
        any = true;
    }
    return any;
}

/* The y range of the trace panels, in SI: the targets' (else the fitted
 * traces'), widened to the fitted traces but by at most half the targets'
 * span each way, so one diverging fit does not flatten every panel. */
static axis trace_range(const mf_plot_traces *p)
{
    size_t n = p->n_traces * p->n_steps;
    double lo = 0, hi = 0;
    bool have = p->targets && value_range(p->targets, n, &lo, &hi);
    double flo = 0, fhi = 0;
    if (p->fitted && value_range(p->fitted, n, &flo, &fhi)) {
        if (!have) {
            lo = flo;
            hi = fhi;
            have = true;
        } else {
            double span = hi - lo;
            lo = fmin(lo, fmax(flo, lo - span / 2));
            hi = fmax(hi, fmin(fhi, hi + span / 2));
        }
    }
    if (!have) {
        lo = -1;
        hi = 1;
    }
    double pad = (hi - lo) * 0.05;
    if (pad == 0)
        pad = lo != 0 ? fabs(lo) * 0.1 : 1;
    axis a = {lo - pad, hi + pad};
    return a;
}

/* ---- legend ---------------------------------------------------------------- */

static void legend(cairo_t *cr, const frame *f, const mf_plot_traces *p)
{
    const char *names[2];
    rgb colors[2];
    int n = 0;
    if (p->targets) {
        names[n] = "target";
        colors[n++] = target_color;
    }
    if (p->fitted) {
        names[n] = "fitted";
        colors[n++] = fitted_color;
    }
    set_font(cr, 8.5, false);
    double row = 12, w = 64, h = row * n + 6;
    double x = f->x + f->w - w - 4, y = f->y + 4;
    cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
    cairo_rectangle(cr, x, y, w, h);
    cairo_fill(cr);
    for (int i = 0; i < n; i++) {
        double ly = y + 3 + row * (i + 0.5);
        set_color(cr, colors[i]);
        cairo_set_line_width(cr, 1.2);
        cairo_move_to(cr, x + 4, ly);
        cairo_line_to(cr, x + 20, ly);
        cairo_stroke(cr);
        set_color(cr, ink);
        text_at(cr, x + 24, ly, names[i], -1, 0);
    }
}

/* ---- the panels ------------------------------------------------------------ */

typedef struct units {
    char time[UNIT_MAX], value[UNIT_MAX];
    double time_scale, value_scale;
} units;

static void axis_label(char *buf, size_t n, const char *name, const char *unit)
{
    if (unit[0])
        snprintf(buf, n, "%s (%s)", name, unit);
    else
        snprintf(buf, n, "%s", name);
}

static void trace_panels(cairo_t *cr, const mf_plot_traces *p, const layout *lay,
                         const units *u)
{
    axis ya = trace_range(p);
    ya.lo *= u->value_scale;
    ya.hi *= u->value_scale;
    axis xa = {0, (double)(p->n_steps > 1 ? p->n_steps - 1 : 1) * p->dt * u->time_scale};
    double top = lay->title_h;
    for (size_t k = 0; k < lay->panels; k++) {
        frame f = {margin_left, top + (double)k * (lay->panel_h + lay->gap),
                   page_width - margin_left - margin_right, lay->panel_h};
        bool last = k + 1 == lay->panels;
        y_ticks(cr, &f, &ya, true);
        x_ticks(cr, &f, &xa, last, false);
        spines(cr, &f);
        series s = {NULL, p->n_steps, p->dt * u->time_scale, u->value_scale};
        if (p->targets) {
            s.v = p->targets + k * p->n_steps;
            draw_series(cr, &f, &xa, &ya, &s, target_color);
        }
        if (p->fitted) {
            s.v = p->fitted + k * p->n_steps;
            draw_series(cr, &f, &xa, &ya, &s, fitted_color);
        }
        char label[48];
        snprintf(label, sizeof label, "trace %zu", k + 1);
        set_font(cr, 8.5, false);
        set_color(cr, note_color);
        text_at(cr, f.x + 6, f.y + 4, label, -1, -1);
        if (k == 0)
            legend(cr, &f, p);
        if (last) {
            char xl[UNIT_MAX + 16];
            axis_label(xl, sizeof xl, "time", u->time);
            set_font(cr, 10, false);
            set_color(cr, ink);
            text_at(cr, f.x + f.w / 2, f.y + f.h + 20, xl, 0, -1);
        }
    }
    char yl[UNIT_MAX + 64];
    axis_label(yl, sizeof yl, p->variable ? p->variable : "value", u->value);
    double stack = (double)lay->panels * (lay->panel_h + lay->gap) - lay->gap;
    set_font(cr, 10, false);
    set_color(cr, ink);
    vertical_text(cr, 16, top + stack / 2, yl);
}

/* Decade ticks (labelled) and, over a few decades, the 2..9 minor ticks. */
static void log_ticks(cairo_t *cr, const frame *f, const axis *a)
{
    int first = (int)ceil(a->lo - 1e-9), last = (int)floor(a->hi + 1e-9);
    int every = (last - first) / 6 + 1;
    set_font(cr, 8.5, false);
    for (int d = (int)floor(a->lo); d <= last; d++) {
        for (int m = 1; m <= 9; m++) {
            double v = d + log10((double)m);
            bool major = m == 1 && (d - first) % every == 0;
            /* Over many decades, only the labelled ones get a tick. */
            if (v < a->lo - 1e-9 || v > a->hi + 1e-9 || (every > 1 && !major))
                continue;
            double y = map_y(f, a, v);
            if (major) {
                set_color(cr, grid);
                cairo_set_line_width(cr, 0.5);
                cairo_move_to(cr, f->x, y);
                cairo_line_to(cr, f->x + f->w, y);
                cairo_stroke(cr);
            }
            set_color(cr, ink);
            cairo_set_line_width(cr, 0.6);
            cairo_move_to(cr, f->x - (major ? 3 : 1.8), y);
            cairo_line_to(cr, f->x, y);
            cairo_stroke(cr);
            if (major) {
                char label[32];
                snprintf(label, sizeof label, "%g", pow(10.0, d));
                text_at(cr, f->x - 5, y, label, 1, 0);
            }
        }
    }
}

/* The error's unit: the traces' display unit to the metric's power. */
static void error_unit(const mf_plot_traces *p, const units *u, char *buf, size_t n,
                       double *scale)
{
    *scale = pow(u->value_scale, p->error_power);
    if (p->error_power == 0 || !u->value[0])
        buf[0] = '\0';
    else if (p->error_power == 1)
        snprintf(buf, n, "%s", u->value);
    else if (strpbrk(u->value, "/^*"))
        snprintf(buf, n, "(%s)^%d", u->value, p->error_power);
    else
        snprintf(buf, n, "%s^%d", u->value, p->error_power);
}

static void error_panel(cairo_t *cr, const mf_plot_traces *p, const frame *f, const units *u)
{
    char unit[UNIT_MAX + 8];
    double scale;
    error_unit(p, u, unit, sizeof unit, &scale);
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < p->n_errors; i++)
        if (isfinite(p->errors[i]) && p->errors[i] > 0) {
            lo = fmin(lo, log10(p->errors[i] * scale));
            hi = fmax(hi, log10(p->errors[i] * scale));
        }
    axis xa = {1, p->n_errors > 1 ? (double)p->n_errors : 2};
    axis ya = {floor(lo), ceil(hi)};
    if (!(lo <= hi))
        ya.lo = -1, ya.hi = 1;
    if (ya.hi - ya.lo < 1)
        ya.lo -= 0.5, ya.hi += 0.5;
    log_ticks(cr, f, &ya);
    x_ticks(cr, f, &xa, true, true);
    spines(cr, f);
    set_color(cr, error_color);
    cairo_set_line_width(cr, 1.0);
    bool open = false;
    for (size_t i = 0; i < p->n_errors; i++) {
        double e = p->errors[i];
        if (!(isfinite(e) && e > 0)) {
            open = false;
            continue;
        }
        path_point(cr, &open, map_x(f, &xa, (double)(i + 1)), map_y(f, &ya, log10(e * scale)));
    }
    cairo_stroke(cr);
    for (size_t i = 0; i < p->n_errors && p->n_errors <= 200; i++) {
        double e = p->errors[i];
        if (isfinite(e) && e > 0) {
            cairo_arc(cr, map_x(f, &xa, (double)(i + 1)), map_y(f, &ya, log10(e * scale)), 1.6,
                      0, 2 * pi);
            cairo_fill(cr);
        }
    }
    char yl[UNIT_MAX + 64], name[64];
    snprintf(name, sizeof name, "best %s", p->error_name ? p->error_name : "error");
    axis_label(yl, sizeof yl, name, unit);
    set_font(cr, 10, false);
    set_color(cr, ink);
    vertical_text(cr, 16, f->y + f->h / 2, yl);
    text_at(cr, f->x + f->w / 2, f->y + f->h + 20, "round", 0, -1);
}

/* ---- the page ---------------------------------------------------------------- */

static layout make_layout(const mf_plot_traces *p)
{
    layout l = {0};
    bool traces = (p->targets || p->fitted) && p->n_traces > 0 && p->n_steps > 0;
    l.panels = traces ? (p->n_traces < MAX_PANELS ? p->n_traces : MAX_PANELS) : 0;
    l.title_h = p->title && p->title[0] ? 34 : p->n_traces > l.panels && l.panels ? 22 : 12;
    l.panel_h = l.panels <= 3 ? 130 : 100;
    l.gap = 10;
    l.xlabel_h = l.panels ? 36 : 0;
    l.error_gap = p->n_errors && l.panels ? 18 : 0;
    l.error_h = p->n_errors ? 140 : 0;
    l.height = l.title_h + (double)l.panels * (l.panel_h + l.gap) + l.xlabel_h + l.error_gap +
               l.error_h + (p->n_errors ? 36 : 0);
    return l;
}

static void choose_units(const mf_plot_traces *p, units *u)
{
    double biggest = 0;
    size_t n = p->n_traces * p->n_steps;
    const double *v = p->targets ? p->targets : p->fitted;
    for (size_t i = 0; v && i < n; i++)
        if (isfinite(v[i]))
            biggest = fmax(biggest, fabs(v[i]));
    mf_display_unit(p->dim, biggest, u->value, sizeof u->value, &u->value_scale);
    static const double second[7] = {0, 0, 1, 0, 0, 0, 0};
    mf_display_unit(second, (double)p->n_steps * p->dt, u->time, sizeof u->time,
                    &u->time_scale);
}

static void draw_page(cairo_t *cr, const mf_plot_traces *p, const layout *lay)
{
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    units u;
    choose_units(p, &u);
    if (p->title && p->title[0]) {
        set_font(cr, 12, true);
        set_color(cr, ink);
        text_at(cr, page_width / 2, 12, p->title, 0, -1);
    }
    if (p->n_traces > lay->panels && lay->panels) {
        char note[96];
        snprintf(note, sizeof note, "first %zu of %zu traces", lay->panels, p->n_traces);
        set_font(cr, 8.5, false);
        set_color(cr, note_color);
        text_at(cr, page_width - margin_right, lay->title_h - 4, note, 1, 1);
    }
    if (lay->panels)
        trace_panels(cr, p, lay, &u);
    if (p->n_errors) {
        frame f = {margin_left,
                   lay->title_h + (double)lay->panels * (lay->panel_h + lay->gap) +
                       lay->xlabel_h + lay->error_gap,
                   page_width - margin_left - margin_right, lay->error_h};
        error_panel(cr, p, &f, &u);
    }
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    if (n < m)
        return false;
    for (size_t i = 0; i < m; i++)
        if ((s[n - m + i] | 0x20) != suffix[i])
            return false;
    return true;
}

static int cairo_failed(const char *path, cairo_status_t st, char *msg, size_t n)
{
    snprintf(msg, n, "%s: cannot write the plot: %s", path, cairo_status_to_string(st));
    return -1;
}

/* cairo's output goes to the temporary file of an atomic write. */
static cairo_status_t write_stream(void *closure, const unsigned char *data, unsigned int len)
{
    FILE *f = closure;
    return fwrite(data, 1, len, f) == len ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

/* Draws on a vector surface (SVG, PDF) writing into f and finishes it. */
static cairo_status_t draw_vector(cairo_surface_t *s, const mf_plot_traces *p,
                                  const layout *lay)
{
    cairo_t *cr = cairo_create(s);
    draw_page(cr, p, lay);
    cairo_status_t st = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_finish(s);
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_status(s);
    cairo_surface_destroy(s);
    return st;
}

static cairo_status_t draw_png(FILE *f, const mf_plot_traces *p, const layout *lay)
{
    cairo_surface_t *s =
        cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)ceil(page_width * png_scale),
                                   (int)ceil(lay->height * png_scale));
    cairo_t *cr = cairo_create(s);
    cairo_scale(cr, png_scale, png_scale);
    draw_page(cr, p, lay);
    cairo_status_t st = cairo_status(cr);
    cairo_destroy(cr);
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_write_to_png_stream(s, write_stream, f);
    cairo_surface_destroy(s);
    return st;
}

enum plot_format { PLOT_PNG, PLOT_SVG, PLOT_PDF };

/* The page in the format asked for, into a temporary file renamed onto
 * path when whole (atomic_file.h): a failed or killed run never leaves a
 * truncated figure behind, nor destroys the previous one. */
static int write_atomic(const char *path, enum plot_format fmt, const mf_plot_traces *p,
                        const layout *lay, char *msg, size_t n)
{
    mf_host_atomic out;
    if (mf_host_atomic_open(&out, path, msg, n) != 0)
        return -1;
    cairo_status_t st;
    if (fmt == PLOT_PNG)
        st = draw_png(out.f, p, lay);
    else if (fmt == PLOT_SVG)
        st = draw_vector(
            cairo_svg_surface_create_for_stream(write_stream, out.f, page_width, lay->height),
            p, lay);
    else
        st = draw_vector(
            cairo_pdf_surface_create_for_stream(write_stream, out.f, page_width, lay->height),
            p, lay);
    if (st != CAIRO_STATUS_SUCCESS) {
        mf_host_atomic_abort(&out);
        return cairo_failed(path, st, msg, n);
    }
    return mf_host_atomic_commit(&out, msg, n);
}

int mf_plot_traces_write(const char *path, const mf_plot_traces *p, char *msg, size_t n)
{
    layout lay = make_layout(p);
    if (!lay.panels && !p->n_errors) {
        snprintf(msg, n, "%s: nothing to plot (no traces and no errors)", path);
        return -1;
    }
    if (!(p->dt > 0) && lay.panels) {
        snprintf(msg, n, "%s: the time step must be > 0", path);
        return -1;
    }
    if (ends_with(path, ".png"))
        return write_atomic(path, PLOT_PNG, p, &lay, msg, n);
    if (ends_with(path, ".svg"))
        return write_atomic(path, PLOT_SVG, p, &lay, msg, n);
    if (ends_with(path, ".pdf"))
        return write_atomic(path, PLOT_PDF, p, &lay, msg, n);
    snprintf(msg, n, "%s: unknown plot format (the file name must end in .svg, .png or .pdf)",
             path);
    return -1;
}

void mf_plot_release_caches(void)
{
    cairo_debug_reset_static_data();
}

#if defined(__SANITIZE_ADDRESS__)
/* Fontconfig keeps its configuration (parsed from XML on first use) for the
 * life of the process and frees it only in FcFini, which cairo never calls
 * and which is unsafe while cairo may still hold fonts. Tell LeakSanitizer
 * that this one allocation is meant to live until exit. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\n";
}

/* ... and not to list the suppression on stderr, which scripts' tests read. */
const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
    return "print_suppressions=0";
}
#endif
