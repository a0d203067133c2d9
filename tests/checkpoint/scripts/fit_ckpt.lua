-- A small resumable fit for the interruption tests (check_interrupt.sh):
-- differential evolution with a fixed seed on a leaky membrane, checkpoint
-- every 2 rounds, the history appended to WORK/history.csv round by round
-- and the results written to WORK/results.csv at the end. `slow` makes each
-- round last about 40 ms (a busy callback), so a test can stop the run
-- half-way; it changes nothing else. `nockpt` gives no checkpoint and no
-- history file (what the host saves on an interruption is then all there
-- is) and prints "round N" after each round; `opt=PLUGIN` fits with that
-- optimizer plugin instead of DE; `second` first makes and fits another
-- fitter (one round), so the fit above is the script's second fitter.
-- Usage: modelfit run [--resume] fit_ckpt.lua WORK N_ROUNDS [slow] [nockpt] [opt=PLUGIN]
--        [second]
local mf = require "modelfit"
local u = mf.units
local work = assert(arg[1], "usage: fit_ckpt.lua WORK N_ROUNDS [slow] [nockpt] [opt=PLUGIN]")
local n_rounds = assert(tonumber(arg[2]), "N_ROUNDS must be a number")
local slow, nockpt, optimizer, second = false, false, "de", false
for i = 3, #arg do
    if arg[i] == "slow" then slow = true
    elseif arg[i] == "nockpt" then nockpt = true
    elseif arg[i] == "second" then second = true
    elseif arg[i]:match("^opt=") then optimizer = arg[i]:sub(5)
    else error("unknown argument " .. arg[i]) end
end

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

local spec = {
    model = [[
dv/dt = (El - v + R*I)/tau : volt
El : volt (constant)
tau : second (constant)
]],
    constants = {R = 100 * u.Mohm}, input = {I = input * u.nA}, output = {v = target * u.volt},
    dt = dt, n_samples = 16, method = "exponential_euler", param_init = {v = -60 * u.mV},
}
if second then
    mf.TraceFitter(spec):fit{optimizer = mf.optimizer("random", {seed = 1}), n_rounds = 1,
        params = {El = {-90 * u.mV, -50 * u.mV}, tau = {1 * u.ms, 50 * u.ms}}, callback = "none"}
end
local fitter = mf.TraceFitter(spec)

local best = fitter:fit{
    optimizer = mf.optimizer(optimizer, {seed = 7}), metric = mf.metric("mse"),
    n_rounds = n_rounds,
    params = {El = {-90 * u.mV, -50 * u.mV}, tau = {1 * u.ms, 50 * u.ms}},
    checkpoint = not nockpt and work .. "/fit.ckpt" or nil,
    checkpoint_every = not nockpt and 2 or nil,
    history_file = not nockpt and work .. "/history.csv" or nil,
    callback = function(info)
        assert(info.nan_points == 0 and info.nan_lanes == 0, "no simulation diverges here")
        if nockpt then
            io.stdout:write("round ", info.round, "\n")
            io.stdout:flush()
        end
        if slow then
            local t0 = os.clock()
            while os.clock() - t0 < 0.04 do end
        end
    end,
}
fitter:save_results(work .. "/results.csv")
print(string.format("done: El = %s, tau = %s", tostring(best.El), tostring(best.tau)))
