-- expect: modelfit: error: recursion.lua:3: 
-- expect: stack overflow
local function f(n) return 1 + f(n + 1) end
print(f(1))
