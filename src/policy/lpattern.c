/*
 * lpattern.c: the string and table functions of the policy sandbox whose
 * work happens in C, rewritten so that the work counts against the
 * instruction budget.
 *
 * The count hook only sees Lua VM instructions. A single call of the
 * standard string.find with a backtracking pattern ("(.-)(.-)(.-)x" on a
 * long subject), of table.move over a billion slots, or of table.sort on a
 * proxy whose __len lies, runs for minutes in C without one instruction.
 * So the sandbox replaces:
 *
 *  - string.find, match, gmatch, gsub: a matcher for Lua 5.4 patterns
 *    (same syntax and results as the manual's §6.4.1: classes, sets,
 *    quantifiers * + - ?, anchors, captures and position captures, %b,
 *    %f, back-references) that charges one unit per matching step; plain
 *    finds use memmem (linear).
 *  - string.rep: refuses nothing, but returns "" at once when both the
 *    string and the separator are empty (the standard one loops n times).
 *  - table.insert, remove, move and sort: charge the number of slots they
 *    touch (sort charges each comparison; it is a heap sort, so its cost
 *    does not depend on the order function being consistent).
 *
 * Everything else in string and table is bounded by the memory cap or the
 * stack limit and stays standard.
 */
#define _GNU_SOURCE /* memmem */
#include <ctype.h>
#include <stddef.h>
#include <string.h>

#include <lauxlib.h>

#include "sandbox.h"

#define MAXCAPTURES 32
#define CAP_UNFINISHED (-1)
#define CAP_POSITION (-2)
#define MAXDEPTH 200
#define ESC '%'
#define SPECIALS "^$*+?.([%-"
#define CHARGE_EVERY 1024

typedef struct matchstate {
	const char *src_init;  /* the subject */
	const char *src_end;   /* its end */
	const char *p_end;     /* end of the pattern */
	lua_State *L;
	int depth;             /* recursion left before "pattern too complex" */
	int level;             /* captures open or closed so far */
	long steps;            /* steps not yet charged */
	struct {
		const char *init;
		ptrdiff_t len;     /* length, CAP_UNFINISHED or CAP_POSITION */
	} capture[MAXCAPTURES];
} matchstate;

static void step(matchstate *ms)
{
	if (++ms->steps >= CHARGE_EVERY) {
		long n = ms->steps;
		ms->steps = 0;
		cairn_sandbox_charge(ms->L, n);
	}
}

static const char *match(matchstate *ms, const char *s, const char *p);

static int check_capture(matchstate *ms, int l)
{
	l -= '1';
	if (l < 0 || l >= ms->level || ms->capture[l].len == CAP_UNFINISHED)
		return luaL_error(ms->L, "invalid capture index %%%d in pattern", l + 1);
	return l;
}

static int capture_to_close(matchstate *ms)
{
	int level = ms->level;
	for (level--; level >= 0; level--)
		if (ms->capture[level].len == CAP_UNFINISHED)
			return level;
	return luaL_error(ms->L, "invalid pattern capture");
}

/* The end of the single-character class starting at p. */
static const char *class_end(matchstate *ms, const char *p)
{
	switch (*p++) {
	case ESC:
		if (p == ms->p_end)
			luaL_error(ms->L, "malformed pattern (ends with '%%')");
		return p + 1;
	case '[':
		if (*p == '^')
			p++;
		do { /* the first character of a set is literal, even ']' */
			if (p == ms->p_end)
				luaL_error(ms->L, "malformed pattern (missing ']')");
			if (*(p++) == ESC && p < ms->p_end)
				p++;
		} while (*p != ']');
		return p + 1;
	default:
		return p;
	}
}

static int match_class(int c, int cl)
{
	int res;
	switch (tolower(cl)) {
	case 'a': res = isalpha(c); break;
	case 'c': res = iscntrl(c); break;
	case 'd': res = isdigit(c); break;
	case 'g': res = isgraph(c); break;
	case 'l': res = islower(c); break;
	case 'p': res = ispunct(c); break;
	case 's': res = isspace(c); break;
	case 'u': res = isupper(c); break;
	case 'w': res = isalnum(c); break;
	case 'x': res = isxdigit(c); break;
	default: return cl == c;
	}
	if (isupper(cl))
		res = !res;
	return res != 0;
}

/* p is the '[' of a set, ec its closing ']'. */
static int match_set(int c, const char *p, const char *ec)
{
	int sig = 1;
	if (*(p + 1) == '^') {
		sig = 0;
		p++;
	}
	while (++p < ec) {
		if (*p == ESC) {
			p++;
			if (match_class(c, (unsigned char)*p))
				return sig;
		} else if (*(p + 1) == '-' && p + 2 < ec) {
			p += 2;
			if ((unsigned char)*(p - 2) <= c && c <= (unsigned char)*p)
				return sig;
		} else if ((unsigned char)*p == c) {
			return sig;
		}
	}
	return !sig;
}

static int single_match(matchstate *ms, const char *s, const char *p, const char *ep)
{
	int c;
	if (s >= ms->src_end)
		return 0;
	c = (unsigned char)*s;
	switch (*p) {
	case '.': return 1;
	case ESC: return match_class(c, (unsigned char)*(p + 1));
	case '[': return match_set(c, p, ep - 1);
	default: return (unsigned char)*p == c;
	}
}

static const char *match_balance(matchstate *ms, const char *s, const char *p)
{
	int b, e, cont = 1;
	if (p >= ms->p_end - 1)
		luaL_error(ms->L, "malformed pattern (missing arguments to '%%b')");
	if (s >= ms->src_end || *s != *p)
		return NULL;
	b = *p;
	e = *(p + 1);
	while (++s < ms->src_end) {
		step(ms);
		if (*s == e) {
			if (--cont == 0)
				return s + 1;
		} else if (*s == b) {
			cont++;
		}
	}
	return NULL;
}

static const char *max_expand(matchstate *ms, const char *s, const char *p, const char *ep)
{
	ptrdiff_t i = 0;
	while (single_match(ms, s + i, p, ep)) {
		step(ms);
		i++;
	}
	while (i >= 0) { /* try the longest first */
		const char *res = match(ms, s + i, ep + 1);
		if (res)
			return res;
		i--;
	}
	return NULL;
}

static const char *min_expand(matchstate *ms, const char *s, const char *p, const char *ep)
{
	for (;;) {
		const char *res = match(ms, s, ep + 1);
		if (res)
			return res;
		if (single_match(ms, s, p, ep))
			s++;
		else
			return NULL;
	}
}

static const char *start_capture(matchstate *ms, const char *s, const char *p, int what)
{
	const char *res;
	int level = ms->level;
	if (level >= MAXCAPTURES)
		luaL_error(ms->L, "too many captures");
	ms->capture[level].init = s;
	ms->capture[level].len = what;
	ms->level = level + 1;
	if ((res = match(ms, s, p)) == NULL)
		ms->level--;
	return res;
}

static const char *end_capture(matchstate *ms, const char *s, const char *p)
{
	int l = capture_to_close(ms);
	const char *res;
	ms->capture[l].len = s - ms->capture[l].init;
	if ((res = match(ms, s, p)) == NULL)
		ms->capture[l].len = CAP_UNFINISHED;
	return res;
}

static const char *match_capture(matchstate *ms, const char *s, int l)
{
	size_t len;
	l = check_capture(ms, l);
	len = (size_t)ms->capture[l].len;
	if ((size_t)(ms->src_end - s) >= len && memcmp(ms->capture[l].init, s, len) == 0)
		return s + len;
	return NULL;
}

static const char *match(matchstate *ms, const char *s, const char *p)
{
	if (ms->depth-- == 0)
		luaL_error(ms->L, "pattern too complex");
again:
	step(ms);
	if (p != ms->p_end) {
		switch (*p) {
		case '(':
			if (*(p + 1) == ')')
				s = start_capture(ms, s, p + 2, CAP_POSITION);
			else
				s = start_capture(ms, s, p + 1, CAP_UNFINISHED);
			break;
		case ')':
			s = end_capture(ms, s, p + 1);
			break;
		case '$':
			if (p + 1 != ms->p_end)
				goto dflt;
			s = (s == ms->src_end) ? s : NULL;
			break;
		case ESC:
			switch (*(p + 1)) {
			case 'b':
				s = match_balance(ms, s, p + 2);
				if (s) {
					p += 4;
					goto again;
				}
				break;
			case 'f': {
				const char *ep;
				int prev;
				p += 2;
				if (*p != '[')
					luaL_error(ms->L, "missing '[' after '%%f' in pattern");
				ep = class_end(ms, p);
				prev = (s == ms->src_init) ? '\0' : (unsigned char)*(s - 1);
				if (!match_set(prev, p, ep - 1) &&
				    match_set(s < ms->src_end ? (unsigned char)*s : '\0', p, ep - 1)) {
					p = ep;
					goto again;
				}
				s = NULL;
				break;
			}
			case '0': case '1': case '2': case '3': case '4':
			case '5': case '6': case '7': case '8': case '9':
				s = match_capture(ms, s, (unsigned char)*(p + 1));
				if (s) {
					p += 2;
					goto again;
				}
				break;
			default:
				goto dflt;
			}
			break;
		default:
		dflt: {
			const char *ep = class_end(ms, p);
			if (!single_match(ms, s, p, ep)) {
				if (*ep == '*' || *ep == '?' || *ep == '-') {
					p = ep + 1;
					goto again;
				}
				s = NULL;
			} else {
				switch (*ep) {
				case '?': {
					const char *res = match(ms, s + 1, ep + 1);
					if (res) {
						s = res;
					} else {
						p = ep + 1;
						goto again;
					}
					break;
				}
				case '+':
					s = max_expand(ms, s + 1, p, ep);
					break;
				case '*':
					s = max_expand(ms, s, p, ep);
					break;
				case '-':
					s = min_expand(ms, s, p, ep);
					break;
				default:
					s++;
					p = ep;
					goto again;
				}
			}
			break;
		}
		}
	}
	ms->depth++;
	return s;
}

/* Pushes capture i (the whole match when there are no captures). */
static size_t get_capture(matchstate *ms, int i, const char *s, const char *e, const char **cap)
{
	if (i >= ms->level) {
		if (i != 0)
			luaL_error(ms->L, "invalid capture index %%%d", i + 1);
		*cap = s;
		return (size_t)(e - s);
	}
	{
		ptrdiff_t capl = ms->capture[i].len;
		*cap = ms->capture[i].init;
		if (capl == CAP_UNFINISHED)
			luaL_error(ms->L, "unfinished capture");
		else if (capl == CAP_POSITION)
			lua_pushinteger(ms->L, (ms->capture[i].init - ms->src_init) + 1);
		return (size_t)capl;
	}
}

static void push_capture(matchstate *ms, int i, const char *s, const char *e)
{
	const char *cap;
	ptrdiff_t l = (ptrdiff_t)get_capture(ms, i, s, e, &cap);
	if (l != CAP_POSITION)
		lua_pushlstring(ms->L, cap, (size_t)l);
}

static int push_captures(matchstate *ms, const char *s, const char *e)
{
	int i, n = (ms->level == 0 && s) ? 1 : ms->level;
	luaL_checkstack(ms->L, n, "too many captures");
	for (i = 0; i < n; i++)
		push_capture(ms, i, s, e);
	return n;
}

static int no_specials(const char *p, size_t l)
{
	size_t upto = 0;
	do {
		const char *q = strpbrk(p + upto, SPECIALS);
		if (q)
			return 0;
		upto += strlen(p + upto) + 1;
	} while (upto <= l);
	return 1;
}

static void prep_state(matchstate *ms, lua_State *L, const char *s, size_t ls, const char *p,
		       size_t lp)
{
	ms->L = L;
	ms->src_init = s;
	ms->src_end = s + ls;
	ms->p_end = p + lp;
	ms->steps = 0;
}

static void reprep_state(matchstate *ms)
{
	ms->level = 0;
	ms->depth = MAXDEPTH;
}

static void flush_steps(matchstate *ms)
{
	long n = ms->steps;
	ms->steps = 0;
	cairn_sandbox_charge(ms->L, n);
}

static size_t posrelat_start(lua_Integer pos, size_t len)
{
	if (pos > 0)
		return (size_t)pos;
	if (pos == 0)
		return 1;
	if (pos < -(lua_Integer)len)
		return 1;
	return len + (size_t)pos + 1;
}

static int find_aux(lua_State *L, int find)
{
	size_t ls, lp;
	const char *s = luaL_checklstring(L, 1, &ls);
	const char *p = luaL_checklstring(L, 2, &lp);
	size_t init = posrelat_start(luaL_optinteger(L, 3, 1), ls) - 1;

	if (init > ls) {
		luaL_pushfail(L);
		return 1;
	}
	if (find && (lua_toboolean(L, 4) || no_specials(p, lp))) {
		const char *s2 = lp == 0 ? s + init : memmem(s + init, ls - init, p, lp);
		cairn_sandbox_charge(L, (long long)((ls - init) / 64));
		if (s2) {
			lua_pushinteger(L, (s2 - s) + 1);
			lua_pushinteger(L, (lua_Integer)((size_t)(s2 - s) + lp));
			return 2;
		}
	} else {
		matchstate ms;
		const char *s1 = s + init;
		int anchor = (*p == '^');
		if (anchor) {
			p++;
			lp--;
		}
		prep_state(&ms, L, s, ls, p, lp);
		do {
			const char *e;
			reprep_state(&ms);
			step(&ms);
			if ((e = match(&ms, s1, p)) != NULL) {
				flush_steps(&ms);
				if (find) {
					lua_pushinteger(L, (s1 - s) + 1);
					lua_pushinteger(L, e - s);
					return push_captures(&ms, NULL, 0) + 2;
				}
				return push_captures(&ms, s1, e);
			}
		} while (s1++ < ms.src_end && !anchor);
		flush_steps(&ms);
	}
	luaL_pushfail(L);
	return 1;
}

static int str_find(lua_State *L)
{
	return find_aux(L, 1);
}

static int str_match(lua_State *L)
{
	return find_aux(L, 0);
}

/* gmatch: the state lives in a userdata kept as upvalue 3. */
typedef struct gmatchstate {
	const char *src;       /* where the next search starts */
	const char *p;         /* the pattern */
	const char *lastmatch; /* end of the last match */
	matchstate ms;
} gmatchstate;

static int gmatch_aux(lua_State *L)
{
	gmatchstate *gm = lua_touserdata(L, lua_upvalueindex(3));
	const char *src;
	gm->ms.L = L;
	for (src = gm->src; src <= gm->ms.src_end; src++) {
		const char *e;
		reprep_state(&gm->ms);
		step(&gm->ms);
		if ((e = match(&gm->ms, src, gm->p)) != NULL && e != gm->lastmatch) {
			gm->src = gm->lastmatch = e;
			flush_steps(&gm->ms);
			return push_captures(&gm->ms, src, e);
		}
	}
	flush_steps(&gm->ms);
	return 0;
}

static int str_gmatch(lua_State *L)
{
	size_t ls, lp;
	const char *s = luaL_checklstring(L, 1, &ls);
	const char *p = luaL_checklstring(L, 2, &lp);
	size_t init = posrelat_start(luaL_optinteger(L, 3, 1), ls) - 1;
	gmatchstate *gm;
	lua_settop(L, 2);
	gm = lua_newuserdatauv(L, sizeof(*gm), 0);
	if (init > ls)
		init = ls + 1; /* start after the string: nothing to match */
	prep_state(&gm->ms, L, s, ls, p, lp);
	gm->src = s + init;
	gm->p = p;
	gm->lastmatch = NULL;
	lua_pushcclosure(L, gmatch_aux, 3);
	return 1;
}

static void add_s(matchstate *ms, luaL_Buffer *b, const char *s, const char *e)
{
	size_t l;
	lua_State *L = ms->L;
	const char *news = lua_tolstring(L, 3, &l);
	const char *p;
	while ((p = memchr(news, ESC, l)) != NULL) {
		luaL_addlstring(b, news, (size_t)(p - news));
		p++;
		if (*p == ESC) {
			luaL_addchar(b, *p);
		} else if (*p == '0') {
			luaL_addlstring(b, s, (size_t)(e - s));
		} else if (isdigit((unsigned char)*p)) {
			const char *cap;
			ptrdiff_t resl = (ptrdiff_t)get_capture(ms, *p - '1', s, e, &cap);
			if (resl == CAP_POSITION)
				luaL_addvalue(b);
			else
				luaL_addlstring(b, cap, (size_t)resl);
		} else {
			luaL_error(L, "invalid use of '%c' in replacement string", ESC);
		}
		l -= (size_t)(p + 1 - news);
		news = p + 1;
	}
	luaL_addlstring(b, news, l);
}

static int add_value(matchstate *ms, luaL_Buffer *b, const char *s, const char *e, int tr)
{
	lua_State *L = ms->L;
	switch (tr) {
	case LUA_TFUNCTION: {
		int n;
		lua_pushvalue(L, 3);
		n = push_captures(ms, s, e);
		lua_call(L, n, 1);
		break;
	}
	case LUA_TTABLE:
		push_capture(ms, 0, s, e);
		lua_gettable(L, 3);
		break;
	default:
		add_s(ms, b, s, e);
		return 1;
	}
	if (!lua_toboolean(L, -1)) {
		lua_pop(L, 1);
		luaL_addlstring(b, s, (size_t)(e - s));
		return 0;
	}
	if (!lua_isstring(L, -1))
		return luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
	luaL_addvalue(b);
	return 1;
}

static int str_gsub(lua_State *L)
{
	size_t srcl, lp;
	const char *src = luaL_checklstring(L, 1, &srcl);
	const char *p = luaL_checklstring(L, 2, &lp);
	const char *lastmatch = NULL;
	int tr = lua_type(L, 3);
	lua_Integer max_s = luaL_optinteger(L, 4, (lua_Integer)srcl + 1);
	int anchor = (*p == '^');
	lua_Integer n = 0;
	int changed = 0;
	matchstate ms;
	luaL_Buffer b;

	luaL_argexpected(L, tr == LUA_TNUMBER || tr == LUA_TSTRING || tr == LUA_TFUNCTION ||
				    tr == LUA_TTABLE,
			 3, "string/function/table");
	luaL_buffinit(L, &b);
	if (anchor) {
		p++;
		lp--;
	}
	prep_state(&ms, L, src, srcl, p, lp);
	while (n < max_s) {
		const char *e;
		reprep_state(&ms);
		step(&ms);
		if ((e = match(&ms, src, p)) != NULL && e != lastmatch) {
			n++;
			changed = add_value(&ms, &b, src, e, tr) | changed;
			src = lastmatch = e;
		} else if (src < ms.src_end) {
			luaL_addchar(&b, *src++);
		} else {
			break;
		}
		if (anchor)
			break;
	}
	flush_steps(&ms);
	if (!changed) {
		lua_pushvalue(L, 1);
	} else {
		luaL_addlstring(&b, src, (size_t)(ms.src_end - src));
		luaL_pushresult(&b);
	}
	lua_pushinteger(L, n);
	return 2;
}

/* string.rep: the standard one loops n times even when there is nothing
 * to copy. Upvalue 1 is the original. */
static int str_rep(lua_State *L)
{
	size_t l, lsep = 0;
	lua_Integer n;
	luaL_checklstring(L, 1, &l);
	n = luaL_checkinteger(L, 2);
	luaL_optlstring(L, 3, "", &lsep);
	if (n <= 0 || l + lsep == 0) {
		lua_pushliteral(L, "");
		return 1;
	}
	{
		/* Say where, rather than failing inside the allocator. */
		size_t cap, room = cairn_sandbox_headroom(L, &cap);
		double total = (double)l * (double)n + (double)lsep * (double)(n - 1);
		if (total > (double)room && total <= (double)cap) {
			/* garbage counts until it is collected */
			lua_gc(L, LUA_GCCOLLECT);
			room = cairn_sandbox_headroom(L, &cap);
		}
		if (total > (double)room)
			return luaL_error(L, "memory cap of %d MiB exceeded: string.rep of %d MiB",
					  (int)(cap >> 20), (int)(total / 1048576.0));
	}
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, 1);
	return 1;
}

/* ---- table ------------------------------------------------------- */

static lua_Integer table_len(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	return luaL_len(L, 1);
}

static int tab_insert(lua_State *L)
{
	lua_Integer pos, e = table_len(L) + 1; /* first empty slot */
	switch (lua_gettop(L)) {
	case 2:
		pos = e;
		break;
	case 3: {
		lua_Integer i;
		pos = luaL_checkinteger(L, 2);
		luaL_argcheck(L, (lua_Unsigned)pos - 1u < (lua_Unsigned)e, 2,
			      "position out of bounds");
		cairn_sandbox_charge(L, e - pos);
		for (i = e; i > pos; i--) {
			lua_geti(L, 1, i - 1);
			lua_seti(L, 1, i);
		}
		break;
	}
	default:
		return luaL_error(L, "wrong number of arguments to 'insert'");
	}
	lua_seti(L, 1, pos);
	return 0;
}

static int tab_remove(lua_State *L)
{
	lua_Integer size = table_len(L);
	lua_Integer pos = luaL_optinteger(L, 2, size);
	if (pos != size)
		luaL_argcheck(L, (lua_Unsigned)pos - 1u <= (lua_Unsigned)size, 2,
			      "position out of bounds");
	lua_geti(L, 1, pos);
	if (size > pos)
		cairn_sandbox_charge(L, size - pos);
	for (; pos < size; pos++) {
		lua_geti(L, 1, pos + 1);
		lua_seti(L, 1, pos);
	}
	lua_pushnil(L);
	lua_seti(L, 1, pos);
	return 1;
}

static int tab_move(lua_State *L)
{
	lua_Integer f = luaL_checkinteger(L, 2);
	lua_Integer e = luaL_checkinteger(L, 3);
	lua_Integer t = luaL_checkinteger(L, 4);
	int tt = !lua_isnoneornil(L, 5) ? 5 : 1;
	luaL_checktype(L, 1, LUA_TTABLE);
	luaL_checktype(L, tt, LUA_TTABLE);
	if (e >= f) {
		lua_Integer n, i;
		luaL_argcheck(L, f > 0 || e < LUA_MAXINTEGER + f, 3, "too many elements to move");
		n = e - f + 1;
		luaL_argcheck(L, t <= LUA_MAXINTEGER - n + 1, 4, "destination wrap around");
		cairn_sandbox_charge(L, n);
		if (t > e || t <= f || (tt != 1 && !lua_compare(L, 1, tt, LUA_OPEQ))) {
			for (i = 0; i < n; i++) {
				lua_geti(L, 1, f + i);
				lua_seti(L, tt, t + i);
			}
		} else {
			for (i = n - 1; i >= 0; i--) {
				lua_geti(L, 1, f + i);
				lua_seti(L, tt, t + i);
			}
		}
	}
	lua_pushvalue(L, tt);
	return 1;
}

/* a[i] < a[j] with the order function at 2 (or <). */
static int sort_less(lua_State *L, lua_Integer i, lua_Integer j)
{
	int r;
	cairn_sandbox_charge(L, 1);
	if (lua_isnil(L, 2)) {
		lua_geti(L, 1, i);
		lua_geti(L, 1, j);
		r = lua_compare(L, -2, -1, LUA_OPLT);
		lua_pop(L, 2);
		return r;
	}
	lua_pushvalue(L, 2);
	lua_geti(L, 1, i);
	lua_geti(L, 1, j);
	lua_call(L, 2, 1);
	r = lua_toboolean(L, -1);
	lua_pop(L, 1);
	return r;
}

static void sort_swap(lua_State *L, lua_Integer i, lua_Integer j)
{
	lua_geti(L, 1, i);
	lua_geti(L, 1, j);
	lua_seti(L, 1, i);
	lua_seti(L, 1, j);
}

static void sift_down(lua_State *L, lua_Integer root, lua_Integer n)
{
	for (;;) {
		lua_Integer child = 2 * root;
		if (child > n)
			return;
		if (child < n && sort_less(L, child, child + 1))
			child++;
		if (!sort_less(L, root, child))
			return;
		sort_swap(L, root, child);
		root = child;
	}
}

static int tab_sort(lua_State *L)
{
	lua_Integer n = table_len(L), i;
	luaL_argcheck(L, n < 0x7fffffff, 1, "array too big");
	if (!lua_isnoneornil(L, 2))
		luaL_checktype(L, 2, LUA_TFUNCTION);
	lua_settop(L, 2);
	luaL_checkstack(L, 6, "sort");
	for (i = n / 2; i >= 1; i--)
		sift_down(L, i, n);
	for (i = n; i > 1; i--) {
		sort_swap(L, 1, i);
		sift_down(L, 1, i - 1);
	}
	return 0;
}

void cairn_sandbox_open_budgeted(lua_State *L, int string_idx, int table_idx)
{
	static const luaL_Reg str[] = {{"find", str_find}, {"match", str_match},
				       {"gmatch", str_gmatch}, {"gsub", str_gsub},
				       {NULL, NULL}};
	static const luaL_Reg tab[] = {{"insert", tab_insert}, {"remove", tab_remove},
				       {"move", tab_move}, {"sort", tab_sort},
				       {NULL, NULL}};
	const luaL_Reg *r;
	string_idx = lua_absindex(L, string_idx);
	table_idx = lua_absindex(L, table_idx);
	for (r = str; r->name; r++) {
		lua_pushcfunction(L, r->func);
		lua_setfield(L, string_idx, r->name);
	}
	lua_getfield(L, string_idx, "rep");
	lua_pushcclosure(L, str_rep, 1);
	lua_setfield(L, string_idx, "rep");
	for (r = tab; r->name; r++) {
		lua_pushcfunction(L, r->func);
		lua_setfield(L, table_idx, r->name);
	}
}
