-- Data round trip: files this script writes itself (CSV, NumPy .npy written
-- byte by byte with string.pack, spike trains, text) read back through
-- mf.read_csv / mf.read_npy / mf.read_spikes / mf.read_text.
-- Usage: modelfit run data.lua WORK_DIR
local mf = require "modelfit"
local u = mf.units
local dir = assert(arg[1], "usage: data.lua WORK_DIR")
assert(select("#", ...) == 1 and ... == dir, "the arguments are also the chunk's ...")
assert(arg[0]:match("data%.lua$"), "arg[0] is the script")

local function path(name) return dir .. "/" .. name end

local function fails(f, ...)
    local ok, msg = pcall(f)
    assert(not ok, "expected an error")
    for _, want in ipairs({...}) do
        assert(string.find(msg, want, 1, true), "message '" .. msg .. "' lacks '" .. want .. "'")
    end
    return msg
end

local function write(name, text)
    local f = assert(io.open(path(name), "wb"))
    f:write(text)
    f:close()
end

-- CSV: values that only survive a round trip written with 17 digits.
local values = {{0.1, 1 / 3, -1e-300, math.pi}, {2 ^ 60 + 1024, -0.0, 1e300, 123456.789}}
local a = mf.array(values)
mf.write_csv(path("plain.csv"), a)
for _, layout in ipairs({"auto", "plain"}) do
    local b = mf.read_csv(path("plain.csv"), {layout = layout})
    assert(b:rows() == 2 and b:cols() == 4)
    for i = 1, 2 do
        for j = 1, 4 do
            assert(b[i][j] == values[i][j], ("[%d][%d]: %.17g ~= %.17g"):format(i, j, b[i][j], values[i][j]))
        end
    end
end

-- A header, and values written in a unit.
local v = mf.array({{-65, -64.5}, {-70, 20}}) * u.mV
mf.write_csv(path("header.csv"), v, {header = {"t0", "t1"}, unit = u.mV})
local f = assert(io.open(path("header.csv")))
assert(f:read("l") == "t0,t1")
assert(f:read("l") == "-65,-64.5")
f:close()
local back = mf.read_csv(path("header.csv")) * u.mV
assert(back:rows() == 2 and back:cols() == 2 and back.unit == "V")
assert(math.abs(back[2][2]:value_in(u.mV) - 20) < 1e-12)
fails(function() mf.write_csv(path("x.csv"), v, {unit = u.ms}) end, "unit V", "unit s")

-- pandas layout written here: header with an empty first field, index column.
write("pandas.csv", ",0,1,2\n0,1.5,2.5,3.5\n1,4.5,5.5,6.5\n")
for _, layout in ipairs({"auto", "pandas"}) do
    local p = mf.read_csv(path("pandas.csv"), {layout = layout})
    assert(p:rows() == 2 and p:cols() == 3, layout)
    assert(p[1][1] == 1.5 and p[2][3] == 6.5, layout)
end

-- Errors carry the library's place (file:line:col) after the script's line.
write("ragged.csv", "1,2,3\n4,5\n")
local msg = fails(function() return mf.read_csv(path("ragged.csv")) end, "ragged.csv:2:", "row 2")
assert(msg:match("^data%.lua:%d+: "), msg)
write("cell.csv", "1,2\n3,abc\n")
fails(function() return mf.read_csv(path("cell.csv")) end, "cell.csv:2:3:", "abc")
fails(function() return mf.read_csv(path("missing.csv")) end, "missing.csv")
fails(function() return mf.read_csv(path("plain.csv"), {layout = "excel"}) end, "excel")
fails(function() return mf.read_csv(path("plain.csv"), {layot = "auto"}) end, "layot")

-- NumPy: the format's header (magic, version 1.0, little-endian length,
-- a Python dict padded to 64 bytes), then the data.
local function write_npy(name, descr, fortran, shape, data)
    local dims = table.concat(shape, ", ") .. (#shape == 1 and "," or "")
    local header = ("{'descr': '%s', 'fortran_order': %s, 'shape': (%s), }"):format(
        descr, fortran and "True" or "False", dims)
    local pad = (64 - (10 + #header + 1) % 64) % 64
    header = header .. string.rep(" ", pad) .. "\n"
    local fmt = descr == "<f8" and "<d" or "<f"
    local parts = {"\x93NUMPY\x01\x00", string.pack("<I2", #header), header}
    for _, x in ipairs(data) do parts[#parts + 1] = string.pack(fmt, x) end
    write(name, table.concat(parts))
end
write_npy("c.npy", "<f8", false, {2, 3}, {1, 2, 3, 4, 5, 6.25})
local c = mf.read_npy(path("c.npy"))
assert(c:rows() == 2 and c:cols() == 3 and c[1][2] == 2 and c[2][3] == 6.25)
-- Fortran order: the same matrix stored column by column.
write_npy("f.npy", "<f8", true, {2, 3}, {1, 4, 2, 5, 3, 6.25})
local fo = mf.read_npy(path("f.npy"))
for i = 1, 2 do for j = 1, 3 do assert(fo[i][j] == c[i][j]) end end
-- float32, one dimension: 0.1 as float32 widened to double.
write_npy("f4.npy", "<f4", false, {3}, {0.5, 0.1, -2})
local f4 = mf.read_npy(path("f4.npy"))
assert(f4:rows() == 1 and f4:cols() == 3 and f4[1][1] == 0.5 and f4[1][3] == -2)
assert(f4[1][2] == string.unpack("<f", string.pack("<f", 0.1)))
write_npy("i8.npy", "<i8", false, {1}, {})
fails(function() return mf.read_npy(path("i8.npy")) end, "i8.npy", "<i8")

-- Spike trains: one line a train, an empty line a train without spikes.
write("spikes.csv", "0.001,0.0025\n\n0.0005\n")
local s = mf.read_spikes(path("spikes.csv"))
assert(#s == 3 and #s[1] == 2 and #s[2] == 0 and #s[3] == 1)
assert(s[1][2].unit == "s" and s[1][2].si == 0.0025 and s[3][1].si == 0.0005)
-- Spike trains from Lua values: lists of times or arrays with a time unit.
local t = mf.spike_trains({{1 * u.ms, 2.5 * u.ms}, {}, mf.array({0.5, 0.75}) * u.ms, {0.001}})
assert(#t == 4 and #t[1] == 2 and #t[2] == 0 and #t[3] == 2 and #t[4] == 1)
assert(math.abs(t[1][2].si - 2.5e-3) < 1e-18 and math.abs(t[3][2].si - 0.75e-3) < 1e-18)
assert(t[4][1].si == 0.001 and t[4][1].unit == "s")
fails(function() return mf.spike_trains({{2 * u.ms, 1 * u.ms}}) end, "train")
fails(function() return mf.spike_trains({{1 * u.mV}}) end, "spike 1 of train 1", "unit s")
fails(function() return mf.spike_trains({mf.array({1, 2}) * u.mV}) end, "train 1", "times")
fails(function() return mf.spike_trains({{0 / 0}}) end, "nan")
write("bad_spikes.csv", "0.002,0.001\n")
fails(function() return mf.read_spikes(path("bad_spikes.csv")) end, "bad_spikes.csv")

-- Text.
local text = "dv/dt = (El - v)/tau : volt\n# a comment\n"
write("model.eqs", text)
assert(mf.read_text(path("model.eqs")) == text)
fails(function() return mf.read_text(path("nope.eqs")) end, "nope.eqs")
print("data: ok")
