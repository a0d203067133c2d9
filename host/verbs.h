/* The CLI's verbs. Each returns the process exit status (0 ok, 1 error)
 * and prints errors as one line "modelfit: error: ..." (with file:line:col
 * where there is a place) on stderr. argv[0] is the verb itself. */
#ifndef MF_HOST_VERBS_H
#define MF_HOST_VERBS_H

typedef struct mf_verb {
    const char *name;
    const char *summary;
    const char *usage; /* printed by `modelfit help VERB` */
    int (*run)(int argc, char **argv);
} mf_verb;

int mf_verb_check(int argc, char **argv);
int mf_verb_plugins(int argc, char **argv);
int mf_verb_run(int argc, char **argv);

/* Prints "modelfit: error: <msg>" to stderr; returns 1. */
int mf_host_fail(const char *fmt, ...);

#endif
