-- expect: modelfit: error: callback_error.lua:11: attempt to perform arithmetic on a nil value
local mf = require "modelfit"
local u = mf.units
local f = mf.TraceFitter{model = "dv/dt = (El - v + R*I)/tau : volt\ntau : second (constant)",
                         constants = {El = -70 * u.mV, R = 1 * u.Gohm},
                         input = {I = mf.zeros(1, 10, u.nA)}, output = {v = mf.zeros(1, 10, u.mV)},
                         dt = 0.1 * u.ms}
f:fit{optimizer = mf.optimizer("de"), n_rounds = 3,
      params = {tau = {1 * u.ms, 10 * u.ms}},
      callback = function(info)
          return info.no_such_field + 1 -- a bug in the script's callback
      end}
