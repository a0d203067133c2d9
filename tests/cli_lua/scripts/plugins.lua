-- mf.optimizer / mf.metric / mf.plugins over the built-in plugins: options
-- of every kind convert, and the library's validation messages arrive.
local mf = require "modelfit"
local u = mf.units

local found = {}
for _, p in ipairs(mf.plugins()) do
    found[p.name .. "/" .. p.kind] = p
    assert(type(p.file) == "string" and p.abi:match("^%d+%.%d+$"))
    assert(type(p.options) == "table")
end
for _, want in ipairs({"de/optimizer", "random/optimizer", "grid/optimizer", "mse/metric",
                       "gamma/metric"}) do
    assert(found[want], "plugin " .. want .. " not found")
end

local opt = mf.optimizer("de", {seed = 7})
assert(opt.name == "de" and tostring(opt):match("^optimizer de"))
local metric = mf.metric("mse", {t_start = 5 * u.ms, t_weights = {1, 2, 3}})
assert(metric.name == "mse" and metric.kind == "traces" and metric.error_power == 2)
-- A quantity given as text, a boolean, a path to the plugin's file.
assert(mf.metric("mse", {t_start = "5*ms"}).name == "mse")
assert(mf.optimizer("random", {seed = 1}).name == "random")
assert(mf.optimizer(found["de/optimizer"].file).name == "de")
local gamma = mf.metric("gamma", {delta = 2 * u.ms})
assert(gamma.kind == "spikes")

local function fails(f, ...)
    local ok, msg = pcall(f)
    assert(not ok, "expected an error")
    for _, want in ipairs({...}) do
        assert(msg:find(want, 1, true), "message '" .. msg .. "' lacks '" .. want .. "'")
    end
end
fails(function() mf.optimizer("de", {sed = 1}) end, "'sed'", "seed")
fails(function() mf.metric("mse", {t_start = 5 * u.mV}) end, "t_start", "V")
fails(function() mf.optimizer("no_such_optimizer") end, "no_such_optimizer", "de")
fails(function() mf.optimizer("de", {seed = -1}) end, "seed")
fails(function() mf.optimizer("de", {seed = print}) end, "seed", "function")
fails(function() mf.optimizer("de", 5) end, "must be a table")
fails(function() mf.optimizer("/no/such/plugin.so") end, "/no/such/plugin.so")
print("plugins: ok")
