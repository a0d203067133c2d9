/* The figure of a fit, drawn with cairo: a panel per trace with the target
 * and the fitted trace over time, and the best error per round on a log
 * axis. Axes carry ticks and labels in units chosen as Brian prints them
 * (ms, mV). The file's extension picks the format: .svg, .png or .pdf. */
#ifndef MF_HOST_PLOT_H
#define MF_HOST_PLOT_H

#include <stddef.h>

typedef struct mf_plot_traces {
    const char *title;    /* NULL or "": none */
    const char *variable; /* the traces' name for the y label ("v"); NULL: "value" */
    double dt;            /* seconds between samples */
    size_t n_traces, n_steps;
    /* n_traces x n_steps values in SI, row-major; either may be NULL (not
     * drawn). NaN values leave a gap. */
    const double *targets;
    const double *fitted;
    double dim[7]; /* the traces' dimension (exponents of m kg s A K mol cd) */
    /* The best error after each round (SI); n_errors may be 0 (no panel).
     * Values <= 0 or not finite are not drawn on the log axis. */
    const double *errors;
    size_t n_errors;
    int error_power;        /* the errors' unit is the traces' to this power */
    const char *error_name; /* the metric ("MSE"); NULL: "error" */
} mf_plot_traces;

/* Draws the figure into `path`. Returns 0, or -1 with a message naming the
 * file in msg (an unknown extension, nothing to draw, a write error). */
int mf_plot_traces_write(const char *path, const mf_plot_traces *p, char *msg, size_t n);

/* Releases cairo's process-wide caches (fonts); call once before exit so
 * leak checkers see a clean process. Drawing again afterwards is fine. */
void mf_plot_release_caches(void);

#endif
