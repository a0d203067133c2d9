/* The hand-written HH kernel of bench_engine (engine.c): the tutorial
 * model by exponential Euler, written out by hand over a block of lanes
 * (structure of arrays). engine.c holds the version with glibc's exp,
 * compiled with the project's flags (the baseline issue 5 names);
 * engine_hand_mf.c the same arithmetic with mf_exp, compiled like the
 * native kernels, so that the native backend is also compared with a hand
 * kernel on equal terms. */
#ifndef MF_BENCH_ENGINE_HAND_H
#define MF_BENCH_ENGINE_HAND_H

/* The tutorial's constants (volt, second) and its five input traces. */
#define HH_EL  (-65e-3)
#define HH_EK  (-90e-3)
#define HH_ENA (50e-3)
#define HH_VT  (-63e-3)
#define HH_DT  (1e-5)
enum { HH_N_TRACES = 5 };

/* One block: lanes first .. first + nb - 1 (lane l reads input trace
 * (first + l) % HH_N_TRACES of I, n_steps samples each). */
typedef struct hand_block {
    long first;
    int nb;
    long n_steps;
    const double *I;
    double *v, *m, *n, *h;
    const double *gl, *gna, *gkd, *cm;
} hand_block;

/* n_steps steps of the block, exp being mf_exp (engine_hand_mf.c). */
void hand_steps_mf_exp(const hand_block *b);

#endif
