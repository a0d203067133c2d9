/* Quantities in Lua: a userdata holding an mf_quantity (SI value and the 7
 * exponents of its dimension), with Brian's arithmetic and unit checks, and
 * the `mf.units` table whose fields are Brian's unit names (u.mV, u.nS,
 * u.umetre). Dimensionless results are plain Lua numbers, as a Brian
 * quantity without unit behaves like a float. */
#include "lua_host.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

enum { NDIM = 7, TEXT_MAX = 96, DESC_MAX = 2 * TEXT_MAX + 16 };

bool mf_lua_same_dim(const double a[7], const double b[7])
{
    for (int i = 0; i < NDIM; i++)
        if (fabs(a[i] - b[i]) > 1e-9)
            return false;
    return true;
}

static bool is_dimensionless(const double d[7])
{
    static const double none[7] = {0};
    return mf_lua_same_dim(d, none);
}

void mf_lua_push_quantity(lua_State *L, mf_quantity q)
{
    if (is_dimensionless(q.dim)) {
        lua_pushnumber(L, q.value);
        return;
    }
    mf_quantity *u = lua_newuserdatauv(L, sizeof *u, 0);
    *u = q;
    luaL_setmetatable(L, MF_LUA_QUANTITY);
}

static mf_quantity number_quantity(double x)
{
    mf_quantity q = {x, {0}};
    return q;
}

/* A quantity string the library refused, reported from the script's side:
 * the library names the string itself as the place ("\"5*mX\":1:3: error:
 * unknown name 'mX'"), which does not say which field or element held it.
 * Raises `WHAT: "5*mX" at column 3: unknown name 'mX'` (no column when it
 * is the first). */
static int raise_string_error(lua_State *L, const char *what, const mf_error *err)
{
    char clean[MF_ERROR_MESSAGE_MAX], place[MF_ERROR_MESSAGE_MAX], tail[32];
    mf_lua_clean_message(err->message[0] ? err->message : mf_status_string(err->status), clean,
                         sizeof clean);
    if (!what || !*what)
        what = "a quantity string";
    /* The library's place is "SOURCE:LINE:COL: " with SOURCE the quoted
     * string; without one, the message is shown as it is. */
    snprintf(tail, sizeof tail, ":%d:%d: ", err->line, err->col);
    const char *cut = err->line > 0 && clean[0] == '"' ? strstr(clean + 1, tail) : NULL;
    while (cut && cut[-1] != '"') /* the string itself may hold the same text */
        cut = strstr(cut + 1, tail);
    if (!cut)
        return luaL_error(L, "%s: %s", what, clean);
    snprintf(place, sizeof place, "%.*s", (int)(cut - clean), clean);
    const char *body = cut + strlen(tail);
    if (err->col <= 1)
        return luaL_error(L, "%s: %s: %s", what, place, body);
    return luaL_error(L, "%s: %s at column %d: %s", what, place, err->col, body);
}

bool mf_lua_to_quantity(lua_State *L, int idx, mf_quantity *q, const char *what)
{
    switch (lua_type(L, idx)) {
    case LUA_TNUMBER: *q = number_quantity(lua_tonumber(L, idx)); return true;
    case LUA_TSTRING: {
        mf_error err;
        if (strlen(lua_tostring(L, idx)) != lua_rawlen(L, idx))
            luaL_error(L, "%s: a quantity string must not contain a zero byte",
                       what && *what ? what : "a quantity string");
        if (mf_quantity_from_string(lua_tostring(L, idx), q, &err) != MF_OK)
            raise_string_error(L, what, &err);
        return true;
    }
    case LUA_TUSERDATA: {
        mf_quantity *u = luaL_testudata(L, idx, MF_LUA_QUANTITY);
        if (u)
            *q = *u;
        return u != NULL;
    }
    default: return false;
    }
}

mf_quantity mf_lua_check_quantity(lua_State *L, int idx, const char *what)
{
    mf_quantity q;
    if (!mf_lua_to_quantity(L, idx, &q, what))
        luaL_error(L, "%s must be a quantity (e.g. 0.01*u.ms or \"0.01*ms\"), not a %s", what,
                   luaL_typename(L, idx));
    return q;
}

/* "5 mV (unit V)": a quantity as a message shows it. */
static const char *describe(mf_quantity q, char *buf, size_t n)
{
    char value[TEXT_MAX], unit[TEXT_MAX];
    mf_quantity_to_string(q, value, sizeof value);
    mf_quantity_unit_string(q.dim, unit, sizeof unit);
    snprintf(buf, n, "%s (unit %s)", value, unit);
    return buf;
}

double mf_lua_check_si(lua_State *L, int idx, const char *what, mf_quantity unit)
{
    mf_quantity q = mf_lua_check_quantity(L, idx, what);
    if (!mf_lua_same_dim(q.dim, unit.dim)) {
        char want[TEXT_MAX], got[DESC_MAX];
        mf_quantity_unit_string(unit.dim, want, sizeof want);
        luaL_error(L, "%s must have unit %s, got %s", what, want, describe(q, got, sizeof got));
    }
    return q.value;
}

void mf_lua_quantity_expr(mf_quantity q, char *buf, size_t n)
{
    static const char *const base[7] = {"metre",  "kilogram", "second", "amp",
                                        "kelvin", "mole",     "candle"};
    size_t pos = (size_t)snprintf(buf, n, "%.17g", q.value);
    for (int i = 0; i < 7 && pos < n; i++) {
        if (q.dim[i] == 0)
            continue;
        if (q.dim[i] == 1)
            pos += (size_t)snprintf(buf + pos, n - pos, "*%s", base[i]);
        else
            pos += (size_t)snprintf(buf + pos, n - pos, "*%s**%.17g", base[i], q.dim[i]);
    }
}

const char *mf_lua_check_expr(lua_State *L, int idx, const mf_quantity *unit, char *buf,
                              const char *what)
{
    if (lua_type(L, idx) == LUA_TSTRING)
        return lua_tostring(L, idx);
    mf_quantity q = mf_lua_check_quantity(L, idx, what);
    if (unit)
        q.value = mf_lua_check_si(L, idx, what, *unit);
    mf_lua_quantity_expr(q, buf, MF_LUA_EXPR_MAX);
    return buf;
}

/* ---- arithmetic ---------------------------------------------------------- */

static bool is_array_operand(lua_State *L, int idx)
{
    return luaL_testudata(L, idx, MF_LUA_ARRAY) || luaL_testudata(L, idx, MF_LUA_ROW);
}

static mf_quantity operand(lua_State *L, int idx, const char *verb)
{
    mf_quantity q;
    char what[TEXT_MAX] = "";
    if (lua_type(L, idx) == LUA_TSTRING) /* only a string can need the name */
        snprintf(what, sizeof what, "%s: the %s operand", verb, idx == 1 ? "left" : "right");
    if (!mf_lua_to_quantity(L, idx, &q, what))
        luaL_error(L, "cannot %s a quantity and a %s", verb, luaL_typename(L, idx));
    return q;
}

static int add_or_sub(lua_State *L, char op)
{
    if (is_array_operand(L, 1) || is_array_operand(L, 2))
        return mf_lua_array_arith(L, op);
    const char *verb = op == '+' ? "add" : "subtract";
    mf_quantity a = operand(L, 1, verb), b = operand(L, 2, verb);
    if (!mf_lua_same_dim(a.dim, b.dim)) {
        char da[DESC_MAX], db[DESC_MAX];
        luaL_error(L, "cannot %s %s and %s: the units differ", verb, describe(a, da, sizeof da),
                   describe(b, db, sizeof db));
    }
    a.value = op == '+' ? a.value + b.value : a.value - b.value;
    mf_lua_push_quantity(L, a);
    return 1;
}

static int mul_or_div(lua_State *L, char op)
{
    if (is_array_operand(L, 1) || is_array_operand(L, 2))
        return mf_lua_array_arith(L, op);
    const char *verb = op == '*' ? "multiply" : "divide";
    mf_quantity a = operand(L, 1, verb), b = operand(L, 2, verb);
    double sign = op == '*' ? 1.0 : -1.0;
    for (int i = 0; i < NDIM; i++)
        a.dim[i] += sign * b.dim[i];
    a.value = op == '*' ? a.value * b.value : a.value / b.value;
    mf_lua_push_quantity(L, a);
    return 1;
}

static int q_add(lua_State *L)
{
    return add_or_sub(L, '+');
}

static int q_sub(lua_State *L)
{
    return add_or_sub(L, '-');
}

static int q_mul(lua_State *L)
{
    return mul_or_div(L, '*');
}

static int q_div(lua_State *L)
{
    return mul_or_div(L, '/');
}

static int q_pow(lua_State *L)
{
    mf_quantity base = operand(L, 1, "raise");
    mf_quantity power = operand(L, 2, "raise");
    if (!is_dimensionless(power.dim)) {
        char d[DESC_MAX];
        luaL_error(L, "an exponent must be a plain number, not %s",
                   describe(power, d, sizeof d));
    }
    for (int i = 0; i < NDIM; i++) {
        base.dim[i] *= power.value;
        if (!isfinite(base.dim[i]))
            luaL_error(L, "the exponent %f makes the unit's powers infinite", power.value);
    }
    base.value = pow(base.value, power.value);
    mf_lua_push_quantity(L, base);
    return 1;
}

static int q_unm(lua_State *L)
{
    mf_quantity q = *(mf_quantity *)luaL_checkudata(L, 1, MF_LUA_QUANTITY);
    q.value = -q.value;
    mf_lua_push_quantity(L, q);
    return 1;
}

/* Both operands as quantities of one unit, for comparisons. */
static void comparable(lua_State *L, mf_quantity *a, mf_quantity *b)
{
    *a = operand(L, 1, "compare");
    *b = operand(L, 2, "compare");
    if (!mf_lua_same_dim(a->dim, b->dim)) {
        char da[DESC_MAX], db[DESC_MAX];
        luaL_error(L, "cannot compare %s and %s: the units differ", describe(*a, da, sizeof da),
                   describe(*b, db, sizeof db));
    }
}

static int q_eq(lua_State *L)
{
    /* Only called for two userdata; quantities of different units are
     * simply not equal (as 1 == "1" is false in Lua). */
    mf_quantity *a = luaL_testudata(L, 1, MF_LUA_QUANTITY);
    mf_quantity *b = luaL_testudata(L, 2, MF_LUA_QUANTITY);
    lua_pushboolean(L, a && b && mf_lua_same_dim(a->dim, b->dim) && a->value == b->value);
    return 1;
}

static int q_lt(lua_State *L)
{
    mf_quantity a, b;
    comparable(L, &a, &b);
    lua_pushboolean(L, a.value < b.value);
    return 1;
}

static int q_le(lua_State *L)
{
    mf_quantity a, b;
    comparable(L, &a, &b);
    lua_pushboolean(L, a.value <= b.value);
    return 1;
}

static int q_tostring(lua_State *L)
{
    mf_quantity *q = luaL_checkudata(L, 1, MF_LUA_QUANTITY);
    char buf[TEXT_MAX];
    lua_pushstring(L, mf_quantity_to_string(*q, buf, sizeof buf));
    return 1;
}

static int q_concat(lua_State *L)
{
    luaL_tolstring(L, 1, NULL);
    luaL_tolstring(L, 2, NULL);
    lua_concat(L, 2);
    return 1;
}

/* ---- methods --------------------------------------------------------------- */

/* q:value_in(unit): the number of `unit`s in q (unit a quantity or a unit
 * expression such as "mV"); the units must agree. */
static int q_value_in(lua_State *L)
{
    mf_quantity q = mf_lua_check_quantity(L, 1, "value_in's quantity");
    mf_quantity unit = mf_lua_check_quantity(L, 2, "value_in's unit");
    if (!mf_lua_same_dim(q.dim, unit.dim)) {
        char dq[DESC_MAX], du[DESC_MAX];
        luaL_error(L, "cannot express %s in %s: the units differ", describe(q, dq, sizeof dq),
                   describe(unit, du, sizeof du));
    }
    lua_pushnumber(L, q.value / unit.value);
    return 1;
}

/* q:in_unit("mV"): the text "-65 mV" in the unit named. */
static int q_in_unit(lua_State *L)
{
    const char *name = luaL_checkstring(L, 2);
    lua_settop(L, 2);
    q_value_in(L);
    char buf[TEXT_MAX + 32];
    snprintf(buf, sizeof buf, "%.6g %s", lua_tonumber(L, -1), name);
    lua_pushstring(L, buf);
    return 1;
}

static int q_index(lua_State *L)
{
    mf_quantity *q = luaL_checkudata(L, 1, MF_LUA_QUANTITY);
    const char *key = luaL_checkstring(L, 2);
    if (strcmp(key, "si") == 0) {
        lua_pushnumber(L, q->value);
        return 1;
    }
    if (strcmp(key, "unit") == 0) {
        char buf[TEXT_MAX];
        lua_pushstring(L, mf_quantity_unit_string(q->dim, buf, sizeof buf));
        return 1;
    }
    if (strcmp(key, "dim") == 0) {
        lua_createtable(L, NDIM, 0);
        for (int i = 0; i < NDIM; i++) {
            lua_pushnumber(L, q->dim[i]);
            lua_rawseti(L, -2, i + 1);
        }
        return 1;
    }
    if (strcmp(key, "value_in") == 0) {
        lua_pushcfunction(L, q_value_in);
        return 1;
    }
    if (strcmp(key, "in_unit") == 0) {
        lua_pushcfunction(L, q_in_unit);
        return 1;
    }
    return luaL_error(
        L, "a quantity has no field '%s' (it has si, unit, dim, value_in, in_unit)", key);
}

/* ---- module functions ------------------------------------------------------ */

/* mf.quantity("0.01*ms") (or a number or a quantity): the quantity. */
static int l_quantity(lua_State *L)
{
    mf_lua_push_quantity(L, mf_lua_check_quantity(L, 1, "mf.quantity's argument"));
    return 1;
}

/* mf.si(x): the SI value of a quantity as a number; an array's values in
 * SI as an array without unit. */
static int l_si(lua_State *L)
{
    mf_lua_array *a = mf_lua_test_array(L, 1);
    if (a) {
        size_t r = mf_array_rows(a->a), c = mf_array_cols(a->a);
        mf_lua_array *copy = mf_lua_new_array(L, r, c, NULL);
        if (r * c > 0)
            memcpy(mf_array_data(copy->a), mf_array_cdata(a->a), r * c * sizeof(double));
        return 1;
    }
    lua_pushnumber(L, mf_lua_check_quantity(L, 1, "mf.si's argument").value);
    return 1;
}

static bool is_identifier(const char *s)
{
    if (!(*s == '_' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
        return false;
    for (s++; *s; s++)
        if (!(*s == '_' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
              (*s >= '0' && *s <= '9')))
            return false;
    return true;
}

/* u.NAME: Brian's unit NAME, looked up once and then kept in the table. */
static int units_index(lua_State *L)
{
    const char *name = luaL_checkstring(L, 2);
    if (!is_identifier(name))
        return luaL_error(L, "'%s' is not a unit name (use mf.quantity for expressions)", name);
    mf_quantity q;
    mf_error err;
    if (mf_quantity_from_string(name, &q, &err) != MF_OK)
        return luaL_error(
            L, "unknown unit '%s' (Brian's names: mV, nA, nS, pF, ms, umetre, ...)", name);
    mf_lua_push_quantity(L, q);
    lua_pushvalue(L, 2);
    lua_pushvalue(L, -2);
    lua_rawset(L, 1);
    return 1;
}

static void new_units_table(lua_State *L)
{
    lua_newtable(L);
    lua_newtable(L);
    lua_pushcfunction(L, units_index);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
}

void mf_lua_open_quantity(lua_State *L)
{
    static const luaL_Reg meta[] = {{"__add", q_add},
                                    {"__sub", q_sub},
                                    {"__mul", q_mul},
                                    {"__div", q_div},
                                    {"__pow", q_pow},
                                    {"__unm", q_unm},
                                    {"__eq", q_eq},
                                    {"__lt", q_lt},
                                    {"__le", q_le},
                                    {"__index", q_index},
                                    {"__tostring", q_tostring},
                                    {"__concat", q_concat},
                                    {NULL, NULL}};
    luaL_newmetatable(L, MF_LUA_QUANTITY);
    luaL_setfuncs(L, meta, 0);
    lua_pushliteral(L, "quantity");
    lua_setfield(L, -2, "__name");
    lua_pop(L, 1);

    static const luaL_Reg funcs[] = {{"quantity", l_quantity}, {"si", l_si}, {NULL, NULL}};
    luaL_setfuncs(L, funcs, 0);
    new_units_table(L);
    lua_setfield(L, -2, "units");
}
