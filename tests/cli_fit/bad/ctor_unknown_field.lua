-- expect: modelfit: error: ctor_unknown_field.lua:5: mf.SpikeFitter: unknown field 'treshold'
-- expect: (valid: model, input, output, dt, n_samples, method, threshold, reset, refractory, param_init, constants, penalty)
local mf = require "modelfit"
local u = mf.units
mf.SpikeFitter{model = "dv/dt = -v/(10*ms) : volt", treshold = "v > 1*mV",
               input = {I = mf.zeros(1, 4, u.nA)}, output = {{}}, dt = 0.1 * u.ms}
