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

/* The line printed when a fit was interrupted: what happened and the
 * command that resumes it (argv: the script and its arguments, quoted for
 * a POSIX shell). */
void mf_host_interrupt_line(const char *message, int argc, char **argv, char *buf, size_t n);

#endif
