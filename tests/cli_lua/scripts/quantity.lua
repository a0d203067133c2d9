-- Quantities and arrays with units: arithmetic, unit checks, conversions.
-- Expected values are SI definitions (1 mV = 1e-3 V ...), not our output.
local mf = require "modelfit"
local u = mf.units

local function close(a, b, rel)
    rel = rel or 1e-12
    return math.abs(a - b) <= rel * math.max(math.abs(a), math.abs(b))
end

-- Unit lookup and SI values.
assert(close(u.mV.si, 1e-3))
assert(close(u.nS.si, 1e-9))
assert(close(u.pfarad.si, 1e-12))
assert(close(u.umetre.si, 1e-6))
assert(close(u.ms.si, 1e-3))
assert(close(u.Mohm.si, 1e6))
assert(u.mV.unit == "V" and u.nA.unit == "A" and u.nS.unit == "S")
assert(rawget(u, "mV") ~= nil, "looked-up units are cached in the table")

-- Arithmetic.
local g = 10.02 * u.nS
assert(tostring(g) == "10.02 nS", tostring(g))
assert(tostring(-65 * u.mV) == "-65 mV")
assert(close((20000 * u.umetre ^ 2).si, 2e-8))
assert((20000 * u.umetre ^ 2).unit == "m^2")
assert(close((0.01 * u.ms).si, 1e-5))
assert(close((1 * u.mV + 2 * u.mV).si, 3e-3))
assert(close((1 * u.mV - 2 * u.mV).si, -1e-3))
assert(close((-(3 * u.mV)).si, -3e-3))
assert(close((2 * u.nA * (3 * u.Mohm)):value_in(u.mV), 6))
assert((1 * u.nA * u.Mohm).unit == "V")
assert((u.mV / u.ms).unit == "V/s")
assert(close((u.mV / u.ms).si, 1))
local ratio = (5 * u.mV) / (2 * u.mV)
assert(math.type(ratio) == "float" and close(ratio, 2.5), "dimensionless results are numbers")
assert(close(g:value_in(u.nS), 10.02))
assert(close(g:value_in("uS"), 0.01002))
assert(close(mf.si(g), 1.002e-8))
assert(mf.si(3) == 3)
assert((-65 * u.mV):in_unit("mV") == "-65 mV")
assert("v = " .. 3 * u.mV == "v = 3 mV")

-- Comparison.
assert(2 * u.mV < 3 * u.mV)
assert(3 * u.mV <= 3 * u.mV)
assert(not (4 * u.mV < 3 * u.mV))
assert(5 * u.mV == 5 * u.mV)
assert(u.mV ~= u.ms, "different units are not equal")

-- Strings and mf.quantity.
assert(close(mf.quantity("0.01*ms").si, 1e-5))
assert(close(mf.quantity("20000*umetre**2").si, 2e-8))
assert(close(("1*mV" + u.mV).si, 2e-3), "a string operand is parsed")
assert(mf.quantity("3") == 3)

-- Unit errors name both units and the script's line.
local function fails(f, ...)
    local ok, msg = pcall(f)
    assert(not ok, "expected an error")
    for _, want in ipairs({...}) do
        assert(string.find(msg, want, 1, true), "message '" .. msg .. "' lacks '" .. want .. "'")
    end
    return msg
end
local msg = fails(function() return 1 * u.mV + 2 * u.nA end, "mV", "nA", "unit V", "unit A")
assert(msg:match("^quantity%.lua:%d+: "), msg)
fails(function() return 1 * u.mV - 1 end, "unit V", "unit 1")
fails(function() return u.mV < u.ms end, "mV", "ms")
fails(function() return u.mV ^ u.mV end, "exponent")
fails(function() return u.not_a_unit end, "not_a_unit")
fails(function() return mf.quantity("3*foo") end, "foo")
fails(function() return g:value_in(u.mV) end, "nS", "mV")
-- A bad quantity string names where it came from, the string, and the
-- column when the problem is not at the start.
fails(function() return mf.quantity("x") end, [[mf.quantity's argument: "x": unknown name 'x']])
fails(function() return mf.quantity("5*mX") end,
      [[mf.quantity's argument: "5*mX" at column 3: unknown name 'mX']])
fails(function() return u.mV + "x" end, [[add: the right operand: "x": unknown name 'x']])
fails(function() return mf.quantity("1\0x") end,
      "mf.quantity's argument: a quantity string must not contain a zero byte")
fails(function() return mf.zeros(1, 2) * "2*nq" end,
      [[multiply: the right operand: "2*nq" at column 3: unknown name 'nq']])
fails(function() return mf.array({{1, 2}, {3, "zz"}}) end,
      [[mf.array's argument: element [2][2]: "zz": unknown name 'zz']])
fails(function() return mf.zeros(1, 2, "mX") end, [[mf.zeros's unit: "mX": unknown name 'mX']])
-- An array larger than the machine is refused before anything is allocated.
fails(function() return mf.zeros(2 ^ 31, 2 ^ 31) end,
      "an array of 2147483648 x 2147483648 values needs 3.69e+10 GB, more than this machine's memory")

-- Arrays with units.
local a = mf.array({{1, 2, 3}, {4, 5, 6}}) * u.mV
assert(#a == 2 and a:rows() == 2 and a:cols() == 3)
assert(a.unit == "V")
assert(close(a[2][3].si, 6e-3) and close(a:get(1, 2).si, 2e-3))
assert(#a[1] == 3)
assert(a[3] == nil and a[1][4] == nil, "out of range indexing gives nil")
local n = 0
for i, row in ipairs(a) do
    for j, x in ipairs(row) do
        n = n + 1
        assert(close(x:value_in(u.mV), (i - 1) * 3 + j))
    end
end
assert(n == 6)
local r = a:row(2)
assert(r:rows() == 1 and r:cols() == 3 and close(r[1][1].si, 4e-3))
local c = a:col(3)
assert(c:rows() == 2 and c:cols() == 1 and close(c[2][1].si, 6e-3))
assert(close((a + a)[2][1].si, 8e-3))
assert(math.abs((a - 1 * u.mV)[1][1].si) < 1e-18)
assert(close((2 * a)[1][3].si, 6e-3))
assert((a / u.ms).unit == "V/s")
assert(close((-a)[1][1].si, -1e-3))
local plain = a:value_in(u.mV)
assert(plain.unit == "1" and plain[2][2] == 5)
assert(close(mf.si(a)[1][1], 1e-3))
assert(close(a:max().si, 6e-3) and close(a:min().si, 1e-3) and close(a:mean().si, 3.5e-3))
local t = a:transpose()
assert(t:rows() == 3 and t:cols() == 2 and close(t[3][2].si, 6e-3))
a:set(1, 1, 10 * u.mV)
assert(close(a[1][1].si, 1e-2))
fails(function() a:set(1, 1, 1 * u.nA) end, "unit V")
fails(function() return a + 1 * u.nA end, "V", "A")
fails(function() return a + mf.zeros(3, 3, u.mV) end, "2 x 3", "3 x 3")
fails(function() return a:get(3, 1) end, "out of range")
fails(function() return mf.array({1 * u.mV, 2 * u.nA}) end, "unit A", "unit V")
fails(function() return mf.array({{1, 2}, {3}}) end, "row 2")

-- Tables of quantities and row vectors.
local q = mf.array({1 * u.ms, 2 * u.ms})
assert(q:rows() == 1 and q:cols() == 2 and q.unit == "s")
local z = mf.zeros(2, 4, u.nA)
assert(z:rows() == 2 and z:cols() == 4 and z.unit == "A" and z[2][4].si == 0)
assert(mf.array({}):rows() == 0)
print("quantity: ok")
