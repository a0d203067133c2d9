/* Arrays with units in Lua: a userdata holding an mf_array (rows are
 * traces, columns time steps, values in SI) and the dimension of its
 * values. `mf.read_csv("v.csv") * u.mV` is an array in volts. Indices are
 * 1-based as everywhere in Lua: a[i] is a view of row i, a[i][j] (or
 * a:get(i, j)) an element, a quantity when the array has a unit. Arithmetic
 * is element-wise with the same unit checks as quantities. */
#include "display_unit.h"
#include "lua_host.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum { NDIM = 7, TEXT_MAX = 96 };

static const double no_dim[NDIM] = {0};

/* A view of one row of an array (the array is the view's user value). */
typedef struct row_view {
    size_t row;
} row_view;

mf_lua_array *mf_lua_push_array(lua_State *L, mf_array *a, const double dim[7])
{
    mf_lua_array *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->a = a;
    memcpy(u->dim, dim ? dim : no_dim, sizeof u->dim);
    luaL_setmetatable(L, MF_LUA_ARRAY);
    return u;
}

/* The machine's physical memory in bytes (0 when unknown). */
static double machine_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    return pages > 0 && size > 0 ? (double)pages * (double)size : 0;
}

mf_lua_array *mf_lua_new_array(lua_State *L, size_t rows, size_t cols, const double dim[7])
{
    /* Refused up front, with both figures, rather than left to an
     * allocator that may promise the memory (overcommit) and kill the run
     * when it is touched, or abort under a sanitizer. */
    double need = (double)rows * (double)cols * (double)sizeof(double);
    double have = machine_memory();
    if (have > 0 && need > have) {
        char msg[160]; /* luaL_error knows no %zu */
        snprintf(msg, sizeof msg,
                 "an array of %zu x %zu values needs %.3g GB, more than this machine's memory "
                 "(%.3g GB)",
                 rows, cols, need / 1e9, have / 1e9);
        luaL_error(L, "%s", msg);
    }
    mf_lua_array *u = mf_lua_push_array(L, NULL, dim);
    mf_error err;
    if (mf_array_new(rows, cols, &u->a, &err) != MF_OK)
        mf_lua_raise(L, &err);
    return u;
}

mf_lua_array *mf_lua_test_array(lua_State *L, int idx)
{
    return luaL_testudata(L, idx, MF_LUA_ARRAY);
}

static mf_quantity element(const mf_lua_array *u, size_t r, size_t c)
{
    mf_quantity q = {mf_array_at(u->a, r, c), {0}};
    memcpy(q.dim, u->dim, sizeof q.dim);
    return q;
}

/* The array a row view at idx belongs to (pushed nothing). */
static mf_lua_array *row_parent(lua_State *L, int idx, row_view **view)
{
    *view = luaL_checkudata(L, idx, MF_LUA_ROW);
    lua_getiuservalue(L, idx, 1);
    mf_lua_array *u = lua_touserdata(L, -1);
    lua_pop(L, 1); /* the view's user value keeps it alive */
    return u;
}

/* ---- conversion from Lua values ------------------------------------------ */

/* The length of a row given as a table, row view or 1-row array, or -1. */
static lua_Integer row_length(lua_State *L, int idx)
{
    if (lua_type(L, idx) == LUA_TTABLE)
        return (lua_Integer)lua_rawlen(L, idx);
    if (luaL_testudata(L, idx, MF_LUA_ROW)) {
        row_view *v;
        return (lua_Integer)mf_array_cols(row_parent(L, idx, &v)->a);
    }
    mf_lua_array *u = mf_lua_test_array(L, idx);
    if (u && mf_array_rows(u->a) == 1)
        return (lua_Integer)mf_array_cols(u->a);
    return -1;
}

/* Element j (1-based) of a row at idx, pushed as a Lua value. */
static void push_row_element(lua_State *L, int idx, lua_Integer j)
{
    if (lua_type(L, idx) == LUA_TTABLE) {
        lua_rawgeti(L, idx, j);
        return;
    }
    mf_lua_array *u;
    size_t r = 0;
    if (luaL_testudata(L, idx, MF_LUA_ROW)) {
        row_view *v;
        u = row_parent(L, idx, &v);
        r = v->row;
    } else
        u = mf_lua_test_array(L, idx);
    mf_lua_push_quantity(L, element(u, r, (size_t)(j - 1)));
}

/* Stores one element into the array being built, checking its unit
 * against the first element's. */
static void store_element(lua_State *L, mf_lua_array *out, size_t r, size_t c, const char *what)
{
    mf_quantity q;
    char where[2 * TEXT_MAX] = "";
    if (lua_type(L, -1) == LUA_TSTRING) /* only a string can need the name */
        snprintf(where, sizeof where, "%s: element [%d][%d]", what, (int)r + 1, (int)c + 1);
    if (!mf_lua_to_quantity(L, -1, &q, where))
        luaL_error(L, "%s: element [%d][%d] is a %s, not a number or quantity", what,
                   (int)r + 1, (int)c + 1, luaL_typename(L, -1));
    if (r == 0 && c == 0)
        memcpy(out->dim, q.dim, sizeof out->dim);
    else if (!mf_lua_same_dim(q.dim, out->dim)) {
        char a[TEXT_MAX], b[TEXT_MAX];
        mf_quantity_unit_string(q.dim, a, sizeof a);
        mf_quantity_unit_string(out->dim, b, sizeof b);
        luaL_error(L, "%s: element [%d][%d] has unit %s but element [1][1] has unit %s", what,
                   (int)r + 1, (int)c + 1, a, b);
    }
    mf_array_data(out->a)[r * mf_array_cols(out->a) + c] = q.value;
    lua_pop(L, 1);
}

/* {x1, x2, ...} is one row; {{...}, {...}} (rows as tables, row views or
 * 1-row arrays) is a matrix. Pushes the new array. */
static mf_lua_array *array_from_table(lua_State *L, int t, const char *what)
{
    size_t n = lua_rawlen(L, t);
    if (n == 0)
        return mf_lua_new_array(L, 0, 0, NULL);
    lua_rawgeti(L, t, 1);
    bool nested = row_length(L, -1) >= 0;
    lua_pop(L, 1);
    if (!nested) {
        mf_lua_array *out = mf_lua_new_array(L, 1, n, NULL);
        for (size_t j = 0; j < n; j++) {
            lua_rawgeti(L, t, (lua_Integer)j + 1);
            store_element(L, out, 0, j, what);
        }
        return out;
    }
    lua_rawgeti(L, t, 1);
    lua_Integer cols = row_length(L, -1);
    lua_pop(L, 1);
    mf_lua_array *out = mf_lua_new_array(L, n, (size_t)cols, NULL);
    int at = lua_gettop(L);
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, t, (lua_Integer)i + 1);
        int row = lua_gettop(L);
        lua_Integer len = row_length(L, row);
        if (len != cols)
            luaL_error(L, "%s: row %d has %d values, row 1 has %d", what, (int)i + 1, (int)len,
                       (int)cols);
        for (lua_Integer j = 1; j <= cols; j++) {
            push_row_element(L, row, j);
            store_element(L, out, i, (size_t)j - 1, what);
        }
        lua_settop(L, at);
    }
    return out;
}

static mf_lua_array *array_from_row(lua_State *L, int idx)
{
    row_view *v;
    mf_lua_array *src = row_parent(L, idx, &v);
    size_t cols = mf_array_cols(src->a);
    mf_lua_array *out = mf_lua_new_array(L, 1, cols, src->dim);
    if (cols > 0)
        memcpy(mf_array_data(out->a), mf_array_cdata(src->a) + v->row * cols,
               cols * sizeof(double));
    return out;
}

mf_lua_array *mf_lua_check_array(lua_State *L, int idx, const char *what)
{
    idx = lua_absindex(L, idx);
    mf_lua_array *u = mf_lua_test_array(L, idx);
    if (u)
        return u;
    if (luaL_testudata(L, idx, MF_LUA_ROW))
        u = array_from_row(L, idx);
    else if (lua_type(L, idx) == LUA_TTABLE)
        u = array_from_table(L, idx, what);
    else
        luaL_error(L, "%s must be an array (mf.read_csv(...), a table of numbers), not a %s",
                   what, luaL_typename(L, idx));
    lua_replace(L, idx);
    return u;
}

/* ---- element access ------------------------------------------------------ */

static size_t check_index(lua_State *L, int arg, size_t n, const char *what)
{
    lua_Integer i = luaL_checkinteger(L, arg);
    if (i < 1 || (size_t)i > n)
        luaL_error(L, "%s index %d is out of range (1 to %d)", what, (int)i, (int)n);
    return (size_t)(i - 1);
}

static int a_get(lua_State *L)
{
    mf_lua_array *u = luaL_checkudata(L, 1, MF_LUA_ARRAY);
    size_t r = check_index(L, 2, mf_array_rows(u->a), "row");
    size_t c = check_index(L, 3, mf_array_cols(u->a), "column");
    mf_lua_push_quantity(L, element(u, r, c));
    return 1;
}

static int a_set(lua_State *L)
{
    mf_lua_array *u = luaL_checkudata(L, 1, MF_LUA_ARRAY);
    size_t r = check_index(L, 2, mf_array_rows(u->a), "row");
    size_t c = check_index(L, 3, mf_array_cols(u->a), "column");
    mf_quantity unit = {1.0, {0}};
    memcpy(unit.dim, u->dim, sizeof unit.dim);
    double v = mf_lua_check_si(L, 4, "the value set", unit);
    mf_array_data(u->a)[r * mf_array_cols(u->a) + c] = v;
    return 0;
}

static int a_rows(lua_State *L)
{
    mf_lua_array *u = luaL_checkudata(L, 1, MF_LUA_ARRAY);
    lua_pushinteger(L, (lua_Integer)mf_array_rows(u->a));
    return 1;
}

static int a_cols(lua_State *L)
{
    mf_lua_array *u = luaL_checkudata(L, 1, MF_LUA_ARRAY);
    lua_pushinteger(L, (lua_Integer)mf_array_cols(u->a));
    return 1;
}

/* a:row(i): a copy of row i as a 1 x cols array. */
static int a_row(lua_State *L)
{
    mf_lua_array *u = luaL_checkudata(L, 1, MF_LUA_ARRAY);
    size_t r = check_index(L, 2, mf_array_rows(u->a), "row");
    size_t cols = mf_array_cols(u->a);
    mf_lua_array *out = mf_lua_new_array(L, 1, cols, u->dim);
    if (cols > 0)
        memcpy(mf_array_data(out->a), mf_array_cdata(u->a) + r * cols, cols * sizeof(double));
    return 1;
}

/* a:col(j): a copy of column j as a rows x 1 array. */
static int a_col(lua_State *L)
{
    mf_lua_array *u = luaL_checkudata(L, 1, MF_LUA_ARRAY);
    size_t c = check_index(L, 2, mf_array_cols(u->a), "column");
    size_t rows = mf_array_rows(u->a);
    mf_lua_array *out = mf_lua_new_array(L, rows, 1, u->dim);
    for (size_t r = 0; r < rows; r++)
        mf_array_data(out->a)[r] = mf_array_at(u->a, r, c);
    return 1;
}

static int a_copy(lua_State *L)
{
    mf_lua_array *u = luaL_checkudata(L, 1, MF_LUA_ARRAY);
    size_t n = mf_array_rows(u->a) * mf_array_cols(u->a);
    mf_lua_array *out = mf_lua_new_array(L, mf_array_rows(u->a), mf_array_cols(u->a), u->dim);
    if (n > 0)
        memcpy(mf_array_data(out->a), mf_array_cdata(u->a), n * sizeof(double));
    return 1;
}

/* a:transpose(): a cols x rows copy (for data stored one trace a column). */
static int a_transpose(lua_State *L)
{
    mf_lua_array *u = luaL_checkudata(L, 1, MF_LUA_ARRAY);
    size_t rows = mf_array_rows(u->a), cols = mf_array_cols(u->a);
    mf_lua_array *out = mf_lua_new_array(L, cols, rows, u->dim);
    double *d = mf_array_data(out->a);
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++)
            d[c * rows + r] = mf_array_at(u->a, r, c);
    return 1;
}

/* a:value_in(unit): the values as numbers in `unit`, an array without unit. */
static int a_value_in(lua_State *L)
{
    mf_lua_array *u = luaL_checkudata(L, 1, MF_LUA_ARRAY);
    mf_quantity unit = mf_lua_check_quantity(L, 2, "value_in's unit");
    if (!mf_lua_same_dim(unit.dim, u->dim)) {
        char a[TEXT_MAX], b[TEXT_MAX];
        mf_quantity_unit_string(u->dim, a, sizeof a);
        mf_quantity_unit_string(unit.dim, b, sizeof b);
        return luaL_error(L, "cannot express an array of unit %s in unit %s", a, b);
    }
    size_t n = mf_array_rows(u->a) * mf_array_cols(u->a);
    mf_lua_array *out = mf_lua_new_array(L, mf_array_rows(u->a), mf_array_cols(u->a), NULL);
    for (size_t i = 0; i < n; i++)
        mf_array_data(out->a)[i] = mf_array_cdata(u->a)[i] / unit.value;
    return 1;
}

/* a:totable(): nested Lua tables of SI numbers, rows of columns. */
static int a_totable(lua_State *L)
{
    mf_lua_array *u = luaL_checkudata(L, 1, MF_LUA_ARRAY);
    size_t rows = mf_array_rows(u->a), cols = mf_array_cols(u->a);
    lua_createtable(L, (int)rows, 0);
    for (size_t r = 0; r < rows; r++) {
        lua_createtable(L, (int)cols, 0);
        for (size_t c = 0; c < cols; c++) {
            lua_pushnumber(L, mf_array_at(u->a, r, c));
            lua_rawseti(L, -2, (lua_Integer)c + 1);
        }
        lua_rawseti(L, -2, (lua_Integer)r + 1);
    }
    return 1;
}

/* The smallest (sign < 0) or largest (sign > 0) element, NaN ignored. */
static int extreme(lua_State *L, double sign)
{
    mf_lua_array *u = luaL_checkudata(L, 1, MF_LUA_ARRAY);
    size_t n = mf_array_rows(u->a) * mf_array_cols(u->a);
    double best = NAN;
    for (size_t i = 0; i < n; i++) {
        double x = mf_array_cdata(u->a)[i];
        if (!isnan(x) && (isnan(best) || sign * (x - best) > 0))
            best = x;
    }
    if (isnan(best))
        return luaL_error(L, "the array has no values (it is empty or all NaN)");
    mf_quantity q = {best, {0}};
    memcpy(q.dim, u->dim, sizeof q.dim);
    mf_lua_push_quantity(L, q);
    return 1;
}

static int a_min(lua_State *L)
{
    return extreme(L, -1.0);
}

static int a_max(lua_State *L)
{
    return extreme(L, 1.0);
}

static int a_mean(lua_State *L)
{
    mf_lua_array *u = luaL_checkudata(L, 1, MF_LUA_ARRAY);
    size_t n = mf_array_rows(u->a) * mf_array_cols(u->a);
    if (n == 0)
        return luaL_error(L, "the mean of an empty array");
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += mf_array_cdata(u->a)[i];
    mf_quantity q = {sum / (double)n, {0}};
    memcpy(q.dim, u->dim, sizeof q.dim);
    mf_lua_push_quantity(L, q);
    return 1;
}

static const luaL_Reg array_methods[] = {{"get", a_get},           {"set", a_set},
                                         {"rows", a_rows},         {"cols", a_cols},
                                         {"row", a_row},           {"col", a_col},
                                         {"copy", a_copy},         {"transpose", a_transpose},
                                         {"value_in", a_value_in}, {"totable", a_totable},
                                         {"min", a_min},           {"max", a_max},
                                         {"mean", a_mean},         {NULL, NULL}};

static void push_unit_name(lua_State *L, const double dim[7])
{
    char buf[TEXT_MAX];
    lua_pushstring(L, mf_quantity_unit_string(dim, buf, sizeof buf));
}

/* a[i]: a view of row i (nil out of range, so ipairs works); a.unit: the
 * unit as text; a:method(...). */
static int a_index(lua_State *L)
{
    mf_lua_array *u = luaL_checkudata(L, 1, MF_LUA_ARRAY);
    int is_index = 0; /* a number with an integer value, 2.0 too */
    lua_Integer i = 0;
    if (lua_type(L, 2) == LUA_TNUMBER)
        i = lua_tointegerx(L, 2, &is_index);
    if (is_index) {
        if (i < 1 || (size_t)i > mf_array_rows(u->a)) {
            lua_pushnil(L);
            return 1;
        }
        row_view *v = lua_newuserdatauv(L, sizeof *v, 1);
        v->row = (size_t)(i - 1);
        lua_pushvalue(L, 1);
        lua_setiuservalue(L, -2, 1);
        luaL_setmetatable(L, MF_LUA_ROW);
        return 1;
    }
    const char *key = luaL_checkstring(L, 2);
    if (strcmp(key, "unit") == 0) {
        push_unit_name(L, u->dim);
        return 1;
    }
    for (const luaL_Reg *m = array_methods; m->name; m++)
        if (strcmp(m->name, key) == 0) {
            lua_pushcfunction(L, m->func);
            return 1;
        }
    return luaL_error(L, "an array has no field '%s'", key);
}

static int a_newindex(lua_State *L)
{
    return luaL_error(L, "arrays are changed element by element: a:set(i, j, value)");
}

static int a_len(lua_State *L)
{
    mf_lua_array *u = luaL_checkudata(L, 1, MF_LUA_ARRAY);
    lua_pushinteger(L, (lua_Integer)mf_array_rows(u->a));
    return 1;
}

static int a_gc(lua_State *L)
{
    mf_lua_array *u = luaL_checkudata(L, 1, MF_LUA_ARRAY);
    mf_array_free(u->a);
    u->a = NULL;
    return 0;
}

/* Appends up to 4 values of a row, in the display unit. */
static void add_row_text(luaL_Buffer *b, const double *v, size_t cols, double scale)
{
    luaL_addchar(b, '[');
    for (size_t c = 0; c < cols && c < 4; c++) {
        char num[32];
        snprintf(num, sizeof num, "%s%.6g", c ? ", " : "", v[c] * scale);
        luaL_addstring(b, num);
    }
    if (cols > 4)
        luaL_addstring(b, ", ...");
    luaL_addchar(b, ']');
}

/* "array 5 x 20000 in mV: [[-65, -64.9, ...], ...]" */
static void push_array_text(lua_State *L, const double *v, size_t rows, size_t cols,
                            const double dim[7])
{
    double biggest = 0.0;
    for (size_t i = 0; i < rows * cols; i++)
        if (isfinite(v[i]) && fabs(v[i]) > biggest)
            biggest = fabs(v[i]);
    char unit[TEXT_MAX];
    double scale;
    mf_display_unit(dim, biggest, unit, sizeof unit, &scale);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    char head[160];
    snprintf(head, sizeof head, "array %zu x %zu%s%s: [", rows, cols, unit[0] ? " in " : "",
             unit);
    luaL_addstring(&b, head);
    for (size_t r = 0; r < rows && r < 3; r++) {
        if (r)
            luaL_addstring(&b, ", ");
        add_row_text(&b, v + r * cols, cols, scale);
    }
    if (rows > 3)
        luaL_addstring(&b, ", ...");
    luaL_addchar(&b, ']');
    luaL_pushresult(&b);
}

static int a_tostring(lua_State *L)
{
    mf_lua_array *u = luaL_checkudata(L, 1, MF_LUA_ARRAY);
    push_array_text(L, mf_array_cdata(u->a), mf_array_rows(u->a), mf_array_cols(u->a), u->dim);
    return 1;
}

/* ---- arithmetic ------------------------------------------------------------ */

typedef struct operand {
    mf_lua_array *array; /* NULL for a scalar */
    mf_quantity scalar;
} operand;

static operand get_operand(lua_State *L, int idx, const char *verb)
{
    operand o = {NULL, {0, {0}}};
    if (mf_lua_test_array(L, idx) || luaL_testudata(L, idx, MF_LUA_ROW))
        o.array = mf_lua_check_array(L, idx, "an operand");
    else {
        char what[TEXT_MAX] = "";
        if (lua_type(L, idx) == LUA_TSTRING) /* only a string can need the name */
            snprintf(what, sizeof what, "%s: the %s operand", verb,
                     idx == 1 ? "left" : "right");
        if (!mf_lua_to_quantity(L, idx, &o.scalar, what))
            luaL_error(L, "cannot %s an array and a %s", verb, luaL_typename(L, idx));
    }
    return o;
}

static const double *operand_dim(const operand *o)
{
    return o->array ? o->array->dim : o->scalar.dim;
}

static double operand_at(const operand *o, size_t i)
{
    return o->array ? mf_array_cdata(o->array->a)[i] : o->scalar.value;
}

static double apply(char op, double x, double y)
{
    switch (op) {
    case '+': return x + y;
    case '-': return x - y;
    case '*': return x * y;
    default: return x / y;
    }
}

static const char *verb_of(char op)
{
    switch (op) {
    case '+': return "add";
    case '-': return "subtract";
    case '*': return "multiply";
    default: return "divide";
    }
}

/* The result's dimension, checking that + and - have one unit. */
static void result_dim(lua_State *L, char op, const operand *x, const operand *y, double *dim)
{
    const double *dx = operand_dim(x), *dy = operand_dim(y);
    if ((op == '+' || op == '-') && !mf_lua_same_dim(dx, dy)) {
        char a[TEXT_MAX], b[TEXT_MAX];
        mf_quantity_unit_string(dx, a, sizeof a);
        mf_quantity_unit_string(dy, b, sizeof b);
        luaL_error(L, "cannot %s values of unit %s and %s: the units differ", verb_of(op), a,
                   b);
    }
    for (int i = 0; i < NDIM; i++)
        dim[i] = op == '*' ? dx[i] + dy[i] : op == '/' ? dx[i] - dy[i] : dx[i];
}

int mf_lua_array_arith(lua_State *L, char op)
{
    lua_settop(L, 2);
    operand x = get_operand(L, 1, verb_of(op));
    operand y = get_operand(L, 2, verb_of(op));
    const mf_lua_array *shape = x.array ? x.array : y.array;
    size_t rows = mf_array_rows(shape->a), cols = mf_array_cols(shape->a);
    if (x.array && y.array &&
        (mf_array_rows(y.array->a) != rows || mf_array_cols(y.array->a) != cols))
        return luaL_error(L, "cannot %s arrays of shapes %d x %d and %d x %d", verb_of(op),
                          (int)rows, (int)cols, (int)mf_array_rows(y.array->a),
                          (int)mf_array_cols(y.array->a));
    double dim[NDIM];
    result_dim(L, op, &x, &y, dim);
    mf_lua_array *out = mf_lua_new_array(L, rows, cols, dim);
    double *d = mf_array_data(out->a);
    for (size_t i = 0; i < rows * cols; i++)
        d[i] = apply(op, operand_at(&x, i), operand_at(&y, i));
    return 1;
}

static int a_add(lua_State *L)
{
    return mf_lua_array_arith(L, '+');
}

static int a_sub(lua_State *L)
{
    return mf_lua_array_arith(L, '-');
}

static int a_mul(lua_State *L)
{
    return mf_lua_array_arith(L, '*');
}

static int a_div(lua_State *L)
{
    return mf_lua_array_arith(L, '/');
}

static int a_unm(lua_State *L)
{
    lua_settop(L, 1);
    lua_pushnumber(L, -1.0);
    return mf_lua_array_arith(L, '*');
}

/* ---- row views ------------------------------------------------------------- */

static int r_index(lua_State *L)
{
    row_view *v;
    mf_lua_array *u = row_parent(L, 1, &v);
    int is_index = 0; /* a number with an integer value, 2.0 too */
    lua_Integer j = 0;
    if (lua_type(L, 2) == LUA_TNUMBER)
        j = lua_tointegerx(L, 2, &is_index);
    if (is_index) {
        if (j < 1 || (size_t)j > mf_array_cols(u->a))
            lua_pushnil(L);
        else
            mf_lua_push_quantity(L, element(u, v->row, (size_t)(j - 1)));
        return 1;
    }
    const char *key = luaL_checkstring(L, 2);
    if (strcmp(key, "unit") == 0) {
        push_unit_name(L, u->dim);
        return 1;
    }
    return luaL_error(L, "a row has no field '%s' (index it: row[j]; or a:row(i) for an array)",
                      key);
}

static int r_newindex(lua_State *L)
{
    row_view *v;
    mf_lua_array *u = row_parent(L, 1, &v);
    size_t c = check_index(L, 2, mf_array_cols(u->a), "column");
    mf_quantity unit = {1.0, {0}};
    memcpy(unit.dim, u->dim, sizeof unit.dim);
    mf_array_data(u->a)[v->row * mf_array_cols(u->a) + c] =
        mf_lua_check_si(L, 3, "the value set", unit);
    return 0;
}

static int r_len(lua_State *L)
{
    row_view *v;
    lua_pushinteger(L, (lua_Integer)mf_array_cols(row_parent(L, 1, &v)->a));
    return 1;
}

static int r_tostring(lua_State *L)
{
    row_view *v;
    mf_lua_array *u = row_parent(L, 1, &v);
    size_t cols = mf_array_cols(u->a);
    push_array_text(L, mf_array_cdata(u->a) + v->row * cols, 1, cols, u->dim);
    return 1;
}

/* ---- module functions ---------------------------------------------------- */

/* mf.array(table [, unit]): an array from a Lua table (of numbers or
 * quantities), multiplied by unit when given. */
static int l_array(lua_State *L)
{
    lua_settop(L, 2);
    mf_lua_check_array(L, 1, "mf.array's argument");
    if (lua_isnil(L, 2)) {
        lua_settop(L, 1);
        return 1;
    }
    return mf_lua_array_arith(L, '*');
}

/* mf.zeros(rows, cols [, unit]) */
static int l_zeros(lua_State *L)
{
    lua_Integer rows = luaL_checkinteger(L, 1), cols = luaL_checkinteger(L, 2);
    luaL_argcheck(L, rows >= 0 && cols >= 0, 1, "sizes must be >= 0");
    mf_quantity unit = {1.0, {0}};
    if (!lua_isnoneornil(L, 3))
        unit = mf_lua_check_quantity(L, 3, "mf.zeros's unit");
    mf_lua_new_array(L, (size_t)rows, (size_t)cols, unit.dim);
    return 1;
}

void mf_lua_open_array(lua_State *L)
{
    static const luaL_Reg array_meta[] = {{"__index", a_index},
                                          {"__newindex", a_newindex},
                                          {"__len", a_len},
                                          {"__gc", a_gc},
                                          {"__tostring", a_tostring},
                                          {"__add", a_add},
                                          {"__sub", a_sub},
                                          {"__mul", a_mul},
                                          {"__div", a_div},
                                          {"__unm", a_unm},
                                          {NULL, NULL}};
    luaL_newmetatable(L, MF_LUA_ARRAY);
    luaL_setfuncs(L, array_meta, 0);
    lua_pushliteral(L, "array");
    lua_setfield(L, -2, "__name");
    lua_pop(L, 1);

    static const luaL_Reg row_meta[] = {{"__index", r_index}, {"__newindex", r_newindex},
                                        {"__len", r_len},     {"__tostring", r_tostring},
                                        {"__add", a_add},     {"__sub", a_sub},
                                        {"__mul", a_mul},     {"__div", a_div},
                                        {"__unm", a_unm},     {NULL, NULL}};
    luaL_newmetatable(L, MF_LUA_ROW);
    luaL_setfuncs(L, row_meta, 0);
    lua_pushliteral(L, "array row");
    lua_setfield(L, -2, "__name");
    lua_pop(L, 1);

    static const luaL_Reg funcs[] = {{"array", l_array}, {"zeros", l_zeros}, {NULL, NULL}};
    luaL_setfuncs(L, funcs, 0);
}
