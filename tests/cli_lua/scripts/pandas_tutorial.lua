-- The HH tutorial's pandas files (../shared/refdata/hh_tutorial) read with
-- the automatic layout, compared value by value with a plain Lua parse of
-- the same text. Usage: modelfit run pandas_tutorial.lua SHARED_DIR
-- Exits 77 (ctest's skip) when the shared folder is absent.
local mf = require "modelfit"
local u = mf.units
local dir = assert(arg[1], "usage: pandas_tutorial.lua SHARED_DIR") .. "/refdata/hh_tutorial/"
local probe = io.open(dir .. "input_traces_hh.csv")
if not probe then
    io.stderr:write("skipped: ", dir, " is absent\n")
    os.exit(77)
end
probe:close()

-- The reference parse: drop the header line and each row's index.
local function lua_parse(file)
    local rows = {}
    local first = true
    for line in io.lines(file) do
        if first then
            first = false
        elseif line:match("%S") then
            local row, col = {}, 0
            for cell in (line .. ","):gmatch("([^,]*),") do
                col = col + 1
                if col > 1 then row[#row + 1] = assert(tonumber(cell), cell) end
            end
            rows[#rows + 1] = row
        end
    end
    return rows
end

for _, name in ipairs({"input_traces_hh.csv", "output_traces_hh.csv"}) do
    local a = mf.read_csv(dir .. name)
    local ref = lua_parse(dir .. name)
    assert(a:rows() == 5 and a:cols() == 1497, ("%s: %d x %d"):format(name, a:rows(), a:cols()))
    assert(#ref == 5 and #ref[1] == 1497)
    for i = 1, 5 do
        local row = a[i]
        for j = 1, 1497 do
            assert(row[j] == ref[i][j], ("%s [%d][%d]"):format(name, i, j))
        end
    end
end

-- With units, as a fit script uses them.
local input = mf.read_csv(dir .. "input_traces_hh.csv", {layout = "pandas"}) * u.amp
local output = mf.read_csv(dir .. "output_traces_hh.csv") * u.mV
assert(input.unit == "A" and output.unit == "V")
-- Trace 3 steps to 2 nA from t = 0 (refdata/README.md).
assert(math.abs(input[3][1]:value_in(u.nA) - 2) < 1e-12)
assert(output:min() > -90 * u.mV and output:max() < 60 * u.mV)
print("pandas_tutorial: ok")
