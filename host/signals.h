/* Interrupting a fit from the terminal or a batch system: SIGINT (Ctrl-C)
 * and SIGTERM (what kill and job schedulers send) during fitter:fit.
 *
 * While a fit runs, both signals only set a flag (the handlers are
 * async-signal-safe: one store to a volatile sig_atomic_t) that the fit
 * watches between rounds (mf_fitter_set_stop_flag); the fit then writes its
 * checkpoint and history and returns MF_ERR_STOPPED. The handlers are
 * installed with SA_RESETHAND: a second Ctrl-C while the round finishes
 * kills at once. Outside fits the signals keep their default action.
 * `modelfit run` then exits with 128 + the signal (130, 143) and one line
 * saying how to resume (mf_host_interrupt_line).
 *
 * Nothing done is lost: a fit whose script gave no checkpoint gets default
 * files on an interruption, written by the host in the current directory
 * (mf_host_default_file): the checkpoint, when the optimizer can save its
 * state, and always the results (the history as CSV). `modelfit run
 * --resume` resumes such a fit from its default checkpoint.
 *
 * This state is the process's (a signal handler has no other place to
 * write); the library itself keeps none. */
#ifndef MF_HOST_SIGNALS_H
#define MF_HOST_SIGNALS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

/* Installs the handlers for the length of one fit / restores the previous
 * ones. Calls nest (a fit started from a fit's callback). */
void mf_host_signals_arm(void);
void mf_host_signals_disarm(void);

/* The flag the handlers set (the signal number; 0: none). */
const volatile sig_atomic_t *mf_host_stop_flag(void);
/* The signal that interrupted a fit, or 0. */
int mf_host_caught_signal(void);

/* `modelfit run --resume`: fits with a checkpoint resume from it. */
void mf_host_set_resume(bool on);
bool mf_host_resume(void);

/* Remembers whether the interrupted fit had a checkpoint. */
void mf_host_note_checkpoint(bool has_checkpoint);

/* The script `modelfit run` runs (copied), for the default files' names. */
void mf_host_set_script(const char *script);

/* The name of a default file of the script's fitter number `serial` (1:
 * the first fitter the script made), relative to the current directory:
 * SCRIPT.ckpt and SCRIPT.results.csv for the first fitter, SCRIPT.2.ckpt
 * and SCRIPT.2.results.csv for the second..., SCRIPT being the script's
 * file name without its directory and ".lua". `suffix`: "ckpt" or
 * "results.csv". Returns buf. */
char *mf_host_default_file(int serial, const char *suffix, char *buf, size_t n);

/* What the host saved for an interrupted fit that had no checkpoint: the
 * default checkpoint and results written (NULL: not written) and, when
 * something could not be saved, why (NULL: all saved). Copied. */
void mf_host_note_saved(const char *ckpt, const char *results, const char *problem);

/* The line printed when a fit was interrupted: what happened, the files
 * saved (absolute paths) and the command that resumes it (argv: the script
 * and its arguments, quoted for a POSIX shell). */
void mf_host_interrupt_line(const char *message, int argc, char **argv, char *buf, size_t n);

#endif
