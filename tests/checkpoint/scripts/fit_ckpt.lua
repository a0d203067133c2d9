-- A small resumable fit for the interruption tests (check_interrupt.sh):
-- differential evolution with a fixed seed on a leaky membrane, checkpoint
-- every 2 rounds, the history appended to WORK/history.csv round by round
-- and the results written to WORK/results.csv at the end. `slow` makes each
-- round last about 40 ms (a busy callback), so a test can stop the run
-- half-way; it changes nothing else.
-- Usage: modelfit run [--resume] fit_ckpt.lua WORK N_ROUNDS [slow]
local mf = require "modelfit"
local u = mf.units
local work = assert(arg[1], "usage: fit_ckpt.lua WORK N_ROUNDS [slow]")
local n_rounds = assert(tonumber(arg[2]), "N_ROUNDS must be a number")
local slow = arg[3] == "slow"

local n_steps, dt = 400, 0.1 * u.ms
local currents = {0.1, -0.05}
local input, target = mf.zeros(#currents, n_steps), mf.zeros(#currents, n_steps)
for k, I in ipairs(currents) do
    for s = 1, n_steps do
        input:set(k, s, I)
        -- v(t) of El = -70 mV, tau = 10 ms, R = 100 Mohm from v0 = -60 mV.
        local vinf = -70e-3 + 100e6 * I * 1e-9
        target:set(k, s, vinf + (-60e-3 - vinf) * math.exp(-(s - 1) * 1e-4 / 10e-3))
    end
end

local fitter = mf.TraceFitter{
    model = [[
dv/dt = (El - v + R*I)/tau : volt
El : volt (constant)
tau : second (constant)
]],
    constants = {R = 100 * u.Mohm}, input = {I = input * u.nA}, output = {v = target * u.volt},
    dt = dt, n_samples = 16, method = "exponential_euler", param_init = {v = -60 * u.mV},
}

local best = fitter:fit{
    optimizer = mf.optimizer("de", {seed = 7}), metric = mf.metric("mse"),
    n_rounds = n_rounds,
    params = {El = {-90 * u.mV, -50 * u.mV}, tau = {1 * u.ms, 50 * u.ms}},
    checkpoint = work .. "/fit.ckpt", checkpoint_every = 2,
    history_file = work .. "/history.csv",
    callback = function(info)
        assert(info.nan_points == 0 and info.nan_lanes == 0, "no simulation diverges here")
        if slow then
            local t0 = os.clock()
            while os.clock() - t0 < 0.04 do end
        end
    end,
}
fitter:save_results(work .. "/results.csv")
print(string.format("done: El = %s, tau = %s", tostring(best.El), tostring(best.tau)))
