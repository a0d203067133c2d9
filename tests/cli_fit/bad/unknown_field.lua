-- expect: modelfit: error: unknown_field.lua:10: fitter:fit: unknown field 'n_round'
-- expect: (valid: optimizer, metric, n_rounds, callback, restart, start_iteration, params, checkpoint, checkpoint_every, resume, history_file)
local mf = require "modelfit"
local u = mf.units
local f = mf.TraceFitter{model = "dv/dt = (El - v + R*I)/tau : volt\ntau : second (constant)",
                         constants = {El = -70 * u.mV, R = 1 * u.Gohm},
                         input = {I = mf.zeros(1, 4, u.nA)}, output = {v = mf.zeros(1, 4, u.mV)},
                         dt = 0.1 * u.ms}
-- a typo: n_round
f:fit{optimizer = mf.optimizer("de"), n_round = 3}
