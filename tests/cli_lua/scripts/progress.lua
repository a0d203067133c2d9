-- The progress printer with given elapsed times (deterministic text); the
-- driver compares stdout with the expected lines.
local mf = require "modelfit"
local u = mf.units
local plain = mf.progress{total = 4, tty = false, stream = "stdout"}
plain:update(1, 3 * u.mV ^ 2 / u.mV, 1.0)
plain:update(2, 2 * u.mV, 2.5)
plain:finish()
local bar = mf.progress{total = 4, tty = true, stream = "stdout"}
bar:update(2, 2 * u.mV, 2.0)
bar:update(4, nil, 75.0)
bar:finish()
local open = mf.progress{tty = false, stream = "stdout"}
open:update(3, "0.5", 3700)
