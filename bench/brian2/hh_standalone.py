"""The HH tutorial model of bench/engine.c in Brian 2's C++ standalone mode.

Same model (hh_tutorial.eqs: Traub-Miles rates), method (exponential_euler),
time step (0.01 ms), parameters (the tutorial's gl = 10 nS, g_na = 20 uS,
g_kd = 6 uS, Cm = 200 pF, each spread by 1% per parameter set modulo 17),
initial state (v = VT, m = n = h = 0) and input (5 step currents of 10, 2, 2,
50 and 0.2 nA switched on at 10% of the run; neuron i is driven by trace
i % 5 and uses parameter set i // 5, brian2modelfitting's layout) as
bench_engine, so that both do the same work per neuron-step.

    /usr/bin/python3 hh_standalone.py [--neurons 1000] [--steps 10000]
                                      [--threads 1] [--dir DIR]

Compiling is not timed. Prints Brian's own time of the network run (the C++
timer around Network::run, results/last_run_info.txt) and the wall time of
the whole binary (device.timers['run_binary']: process start, loading and
writing arrays included), each as ns per neuron-step. Not a test.
"""
import argparse
import tempfile
import warnings

import numpy as np

warnings.filterwarnings('ignore', category=FutureWarning)  # numpy 1.24 vs Debian's pythran
import brian2  # noqa: E402
from brian2 import (NeuronGroup, TimedArray, defaultclock, device, ms, mV, nA, nS, pF,  # noqa: E402
                    prefs, run, set_device, uS)

HH = '''
dv/dt = (gl*(El-v) - g_na*(m*m*m)*h*(v-ENa) - g_kd*(n*n*n*n)*(v-EK) + I)/Cm : volt
dm/dt = 0.32*(mV**-1)*(13.*mV-v+VT)/
    (exp((13.*mV-v+VT)/(4.*mV))-1.)/ms*(1-m)-0.28*(mV**-1)*(v-VT-40.*mV)/
    (exp((v-VT-40.*mV)/(5.*mV))-1.)/ms*m : 1
dn/dt = 0.032*(mV**-1)*(15.*mV-v+VT)/
    (exp((15.*mV-v+VT)/(5.*mV))-1.)/ms*(1.-n)-.5*exp((10.*mV-v+VT)/(40.*mV))/ms*n : 1
dh/dt = 0.128*exp((17.*mV-v+VT)/(18.*mV))/ms*(1.-h)-4./(1+exp((40.*mV-v+VT)/(5.*mV)))/ms*h : 1
I = inp(t, i % n_traces) : amp
g_na : siemens (constant)
g_kd : siemens (constant)
gl   : siemens (constant)
Cm   : farad (constant)
'''

N_TRACES = 5
AMPS = np.array([10, 2, 2, 50, 0.2]) * 1e-9  # A


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--neurons', type=int, default=1000)
    ap.add_argument('--steps', type=int, default=10000)
    ap.add_argument('--threads', type=int, default=1,
                    help='OpenMP threads of the standalone binary (1: no OpenMP)')
    ap.add_argument('--dir', default=None, help='the project directory (default: temporary)')
    a = ap.parse_args()
    n_neurons = a.neurons // N_TRACES * N_TRACES
    directory = a.dir or tempfile.mkdtemp(prefix='modelfit-brian2-')

    set_device('cpp_standalone', directory=directory, build_on_run=False)
    # 0 is Brian's "no OpenMP"; its own compiler flags are left at their
    # defaults (-O3 -ffast-math -march=native).
    prefs.devices.cpp_standalone.openmp_threads = a.threads if a.threads > 1 else 0
    dt = 0.01 * ms
    defaultclock.dt = dt

    on = a.steps // 10
    values = np.zeros((a.steps, N_TRACES))
    values[on:, :] = AMPS
    inp = TimedArray(values * 1e9 * nA, dt=dt)
    namespace = {'El': -65 * mV, 'EK': -90 * mV, 'ENa': 50 * mV, 'VT': -63 * mV,
                 'inp': inp, 'n_traces': N_TRACES}

    g = NeuronGroup(n_neurons, HH, method='exponential_euler', namespace=namespace)
    spread = 1.0 + 0.01 * ((np.arange(n_neurons) // N_TRACES) % 17)
    g.gl = 10 * nS * spread
    g.g_na = 20 * uS * spread
    g.g_kd = 6 * uS * spread
    g.Cm = 200 * pF * spread
    g.v = -63 * mV
    run(a.steps * dt)
    device.build(directory=directory, compile=True, run=True)

    per = 1e9 / (n_neurons * a.steps)
    v = np.asarray(g.v[:])
    print(f'brian2 {brian2.__version__} cpp_standalone, threads {a.threads}: '
          f'{n_neurons} neurons x {a.steps} steps')
    print(f'brian2 threads {a.threads}: network run {device._last_run_time * per:.2f} '
          f'ns/neuron-step ({device._last_run_time:.3f} s); whole binary '
          f'{device.timers["run_binary"] * per:.2f} ns/neuron-step')
    print(f'brian2 final v: mean {v.mean() * 1e3:.3f} mV, finite {np.isfinite(v).all()}')


if __name__ == '__main__':
    main()
