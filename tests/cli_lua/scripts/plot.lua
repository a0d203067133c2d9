-- mf.plot_traces writes SVG, PNG and PDF files (by extension) that start
-- with their format's signature; bad calls give errors.
-- Usage: modelfit run plot.lua WORK_DIR
local mf = require "modelfit"
local u = mf.units
local dir = assert(arg[1], "usage: plot.lua WORK_DIR")

-- Two traces of an RC response and a fit 2% off, 20 rounds of errors.
local targets, fitted = {}, {}
for k = 1, 2 do
    targets[k], fitted[k] = {}, {}
    for i = 1, 2000 do
        local t = (i - 1) * 0.01 -- ms
        local v = -65 + 10 * k * (1 - math.exp(-t / 5))
        targets[k][i] = v + 0.5 * math.sin(i)
        fitted[k][i] = v * 1.02
    end
end
targets[2][100] = 0 / 0 -- a NaN leaves a gap, never a failure
local errors = {}
for r = 1, 20 do errors[r] = (50 * math.exp(-r / 4) + 1) * u.mV ^ 2 end
local args = {
    dt = 0.01 * u.ms, targets = mf.array(targets) * u.mV, fitted = mf.array(fitted) * u.mV,
    errors = errors, title = "RC response", variable = "v", error_name = "MSE",
}

local function read(name)
    local f = assert(io.open(dir .. "/" .. name, "rb"))
    local s = f:read("a")
    f:close()
    return s
end

local signatures = {svg = "<svg", png = "\x89PNG\r\n\x1a\n", pdf = "%PDF-"}
for ext, sig in pairs(signatures) do
    args.file = dir .. "/fit." .. ext
    os.remove(args.file)
    mf.plot_traces(args)
    local data = read("fit." .. ext)
    assert(#data > 1000, ext .. " is too small: " .. #data)
    assert(data:find(sig, 1, true), ext .. " lacks its signature")
end

-- Errors alone; traces alone.
mf.plot_traces{file = dir .. "/errors.svg", errors = {3, 2, 1.5}}
assert(#read("errors.svg") > 500)
mf.plot_traces{file = dir .. "/traces.png", dt = "0.01*ms", targets = args.targets}
assert(#read("traces.png") > 1000)

local function fails(f, want)
    local ok, msg = pcall(f)
    assert(not ok and msg:find(want, 1, true), tostring(msg))
end
fails(function() mf.plot_traces{file = dir .. "/x.jpg", errors = {1}} end, ".svg, .png or .pdf")
fails(function() mf.plot_traces{file = dir .. "/x.svg"} end, "nothing to plot")
fails(function() mf.plot_traces{errors = {1}} end, "file is required")
fails(function() mf.plot_traces{file = dir .. "/x.svg", targets = args.targets} end, "dt")
fails(function()
    mf.plot_traces{file = dir .. "/x.svg", dt = 1 * u.mV, targets = args.targets}
end, "unit s")
fails(function()
    mf.plot_traces{file = dir .. "/x.svg", dt = u.ms, targets = args.targets,
                   fitted = mf.array(fitted) * u.nA}
end, "unit A")
fails(function() mf.plot_traces{file = dir .. "/x.svg", dt = u.ms, tittle = "x"} end, "tittle")
fails(function()
    mf.plot_traces{file = "/nonexistent-dir/x.png", errors = {1}}
end, "/nonexistent-dir/x.png: cannot write: No such file or directory")

-- Plots are written atomically: into a temporary file in the same
-- directory, renamed onto the target when whole. A hard link to the old
-- file keeps the old bytes (an in-place write would change both names), no
-- temporary file is left, and a target that cannot be replaced (here a
-- directory) is an error that leaves it as it was.
local function files()
    local names, ls = {}, assert(io.popen("ls -a '" .. dir .. "'"))
    for name in ls:lines() do names[#names + 1] = name end
    ls:close()
    return names
end
for _, ext in ipairs{"svg", "png", "pdf"} do
    local name = dir .. "/atomic." .. ext
    local old = "the previous figure"
    local f = assert(io.open(name, "wb"))
    f:write(old)
    f:close()
    os.remove(name .. ".link")
    assert(os.execute("ln '" .. name .. "' '" .. name .. ".link'"))
    mf.plot_traces{file = name, errors = {3, 2, 1}}
    assert(read("atomic." .. ext):find(signatures[ext], 1, true), ext .. ": not replaced")
    assert(read("atomic." .. ext .. ".link") == old, ext .. ": written in place")
end
os.remove(dir .. "/isdir.svg")
assert(os.execute("mkdir -p '" .. dir .. "/isdir.svg'"))
fails(function() mf.plot_traces{file = dir .. "/isdir.svg", errors = {1}} end,
      "isdir.svg: cannot write: Is a directory")
for _, name in ipairs(files()) do
    assert(not name:find(".tmp-", 1, true), "a temporary file is left: " .. name)
end
print("plot: ok")
